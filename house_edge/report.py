"""`house-edge report`: one self-contained HTML file with the warehouse's charts.

Everything is read from the published warehouse (read-only) — no number is computed here that a
mart does not already hold, so the report and a BI tool pointed at the same file agree. The
plotly.js bundle that ships inside the `plotly` wheel is inlined once, so the file opens offline
(no CDN, no network) in any browser.

Charts:
1. price (Binance BTC close) and liquidated notional per minute, market waves shaded
   (marts.fct_market_minutes, marts.fct_cascade_waves);
2. liquidations by venue: all fills, what the public feed shows, the published figure
   (marts.dim_exchanges);
3. revenue components per venue and relief against revenue with low-central-high ranges
   (marts.fct_exchange_fee_revenue, marts.fct_relief_to_revenue);
4. the liquidation map of positions open at the shock (marts.fct_liquidation_map).
"""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from house_edge.access import connect_published, missing_relations
from house_edge.headline import RELIEF_SQL as HEADLINE_RELIEF_SQL
from house_edge.headline import read_headline

REFERENCE_VENUE = "binance"  # whose close is the price line
SCOPES = ("narrow", "medium", "broad")
SCENARIOS = ("low", "central", "high")
COMPONENT_ORDER = (
    "clearance_fee",
    "insurance_surplus",
    "liquidation_taker_fee",
    "excess_volume_fee",
    "insurance_payout",
)
BASES = ("simulated_full_record", "published_scaled", "published_fund_flow")
BASIS_LABELS = {"simulated_full_record": "full record", "published_scaled": "published",
                "published_fund_flow": "published fund flow"}
VENUE_COLORS = {
    "hyperliquid": "#2ca58d",
    "bybit": "#f2a900",
    "binance": "#e05d2b",
    "okx": "#3b5b92",
}

MINUTES_SQL = """
select
    minute_at,
    sum(liquidated_notional_usd) as liquidated_notional_usd,
    sum(public_feed_notional_usd) as public_feed_notional_usd,
    max(case when venue = ? and symbol = ? then close_price end) as reference_close_price
from marts.fct_market_minutes
group by 1
order by 1
"""

MINUTES_BY_VENUE_SQL = """
select minute_at, venue, sum(liquidated_notional_usd) as liquidated_notional_usd
from marts.fct_market_minutes
group by 1, 2
order by 1, 2
"""

WAVES_SQL = """
select wave_id, cast(wave_number as integer) as wave_number, started_at, peak_bucket_at,
       ended_at, notional_usd, price_drawdown_rate, leading_venue
from marts.fct_cascade_waves
where scope = 'market'
order by started_at
"""

VENUES_SQL = """
select exchange_id as venue, liquidated_notional_usd, public_feed_notional_usd,
       published_liquidations_usd, published_liquidations_source
from marts.dim_exchanges
order by public_feed_notional_usd desc
"""

REVENUE_SQL = """
select venue, basis, scope, scenario, component, revenue_usd
from marts.fct_exchange_fee_revenue
"""

RELIEF_SQL = """
select venue, relief_program_id, program_name, component, is_exchange_funded, basis, scope,
       scenario, face_value_usd, economic_cost_usd, revenue_usd
from marts.fct_relief_to_revenue
where revenue_usd is not null
"""

MAP_SQL = """
select venue, side, bucket_index, distance_from_reference_rate, bucket_lower_price,
       bucket_upper_price, reference_price, notional_usd
from marts.fct_liquidation_map
where symbol = ?
  and abs(distance_from_reference_rate) <= ?
"""

SOURCES_SQL = """
select 'exchanges' as seed, exchange_id as item, source from reference.exchanges
union all
select 'fee_schedules', venue || ' ' || fee_type || ' ' || coalesce(symbol, '*'), source
from reference.fee_schedules
union all
select 'venue_liquidation_mechanisms', venue || ' ' || mechanism, source
from reference.venue_liquidation_mechanisms
union all
select 'relief_programs', relief_program_id, source from reference.relief_programs
union all
select 'relief_cost_assumptions', component || ' ' || assumption, source
from reference.relief_cost_assumptions
union all
select 'insurance_fund_movements', venue || ' ' || fund, source
from reference.insurance_fund_movements
"""


class ReportError(ValueError):
    """A report that cannot be drawn as asked (e.g. a venue the warehouse does not know)."""


# Every relation the report reads (MINUTES_SQL ... SOURCES_SQL).
REQUIRED = ["marts.fct_market_minutes", "marts.fct_cascade_waves", "marts.dim_exchanges",
            "marts.fct_exchange_fee_revenue", "marts.fct_relief_to_revenue",
            "marts.fct_liquidation_map", "reference.exchanges", "reference.fee_schedules",
            "reference.venue_liquidation_mechanisms", "reference.relief_programs",
            "reference.relief_cost_assumptions", "reference.insurance_fund_movements"]


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def read_report_data(
    path: Path, reference_venue: str = REFERENCE_VENUE, reference_symbol: str = "BTC",
    map_symbol: str = "BTC", map_max_distance: float = 0.2,
) -> dict[str, pd.DataFrame]:
    """Every table the report draws, read from the published warehouse in one locked session.
    Raises ReportError naming the missing relations of an empty or partial warehouse."""
    with connect_published(path) as con:
        missing = missing_relations(con, REQUIRED)
        if missing:
            raise ReportError(f"{path} has no {', '.join(missing)}: it is not a complete House "
                              "Edge build; run `house-edge build` (or point "
                              "HOUSE_EDGE_PUBLISHED_PATH at a built warehouse)")
        try:
            return _read_frames(con, reference_venue, reference_symbol, map_symbol,
                                map_max_distance)
        except duckdb.Error as exc:  # marts of another shape (an older or foreign build)
            raise ReportError(f"{path} cannot be read as a House Edge warehouse "
                              f"({str(exc).splitlines()[0]}); rebuild it with "
                              "`house-edge build`") from exc


def _read_frames(con: duckdb.DuckDBPyConnection, reference_venue: str, reference_symbol: str,
                 map_symbol: str, map_max_distance: float) -> dict[str, pd.DataFrame]:
    """Each table the report draws, as a DataFrame (one session, one build)."""
    return {
        "minutes": _frame(con, MINUTES_SQL, [reference_venue, reference_symbol]),
        "minutes_by_venue": _frame(con, MINUTES_BY_VENUE_SQL),
        "waves": _frame(con, WAVES_SQL),
        "venues": _frame(con, VENUES_SQL),
        "revenue": _frame(con, REVENUE_SQL),
        "relief": _frame(con, RELIEF_SQL),
        "relief_totals": _frame(con, HEADLINE_RELIEF_SQL),
        "map": _frame(con, MAP_SQL, [map_symbol, map_max_distance]),
        "sources": _frame(con, SOURCES_SQL),
    }


def price_and_liquidations_figure(data: dict[str, pd.DataFrame], reference: str) -> go.Figure:
    minutes, by_venue, waves = data["minutes"], data["minutes_by_venue"], data["waves"]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for venue, rows in by_venue.groupby("venue", sort=False):
        fig.add_trace(go.Bar(
            x=rows["minute_at"], y=rows["liquidated_notional_usd"] / 1e6,
            name=f"{venue} liquidations",
            marker_color=VENUE_COLORS.get(venue), marker_line_width=0,
            hovertemplate="%{x|%H:%M} UTC<br>%{y:,.1f} $M<extra>" + venue + "</extra>",
        ), secondary_y=False)
    fig.add_trace(go.Scatter(
        x=minutes["minute_at"], y=minutes["reference_close_price"], name=f"{reference} close",
        line={"color": "#111111", "width": 1.5},
        hovertemplate="%{x|%H:%M} UTC<br>%{y:,.1f} USD<extra>" + reference + "</extra>",
    ), secondary_y=True)
    for wave in waves.itertuples():
        fig.add_vrect(
            x0=wave.started_at, x1=wave.ended_at, fillcolor="#c0392b", opacity=0.12,
            line_width=0, layer="below",
            annotation_text=f"wave {wave.wave_number}", annotation_position="top left",
            annotation_font_size=10,
        )
    fig.update_layout(
        title="Price and liquidated notional per minute (market waves shaded)",
        barmode="stack", bargap=0, height=560,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        xaxis={"rangeslider": {"visible": True}},
    )
    # Open on the evening (the headline at 20:50 and the waterfall); the slider shows the day.
    if not waves.empty:
        largest = waves.sort_values("notional_usd", ascending=False).iloc[0]
        start = pd.Timestamp(largest["started_at"]) - pd.Timedelta(minutes=60)
        end = pd.Timestamp(largest["ended_at"]) + pd.Timedelta(minutes=45)
        fig.update_xaxes(range=[start, end])
    fig.update_yaxes(title_text="liquidated notional, $M per minute", secondary_y=False)
    fig.update_yaxes(title_text=f"{reference} close, USD", secondary_y=True, showgrid=False)
    return fig


def venues_figure(data: dict[str, pd.DataFrame]) -> go.Figure:
    venues = data["venues"]
    fig = go.Figure()
    for column, label, color in (
        ("liquidated_notional_usd", "all fills (simulated full record)", "#7f8c8d"),
        ("public_feed_notional_usd", "what the public feed shows", "#2980b9"),
        ("published_liquidations_usd", "published (CoinGlass, 24 h)", "#c0392b"),
    ):
        fig.add_trace(go.Bar(
            x=venues["venue"], y=venues[column] / 1e9, name=label, marker_color=color,
            text=[f"{v / 1e9:.2f}" if pd.notna(v) else "" for v in venues[column]],
            textposition="outside",
            hovertemplate="%{x}<br>%{y:.2f} $bn<extra>" + label + "</extra>",
        ))
    fig.update_layout(
        title="Liquidations by venue, $bn", barmode="group", height=440,
        yaxis_title="liquidated notional, $bn", legend={"orientation": "h", "y": -0.15},
    )
    return fig


def revenue_components_figure(data: dict[str, pd.DataFrame], basis: str) -> go.Figure:
    """Central-scenario components per venue (broad scope, so every component shows), stacked;
    the whiskers mark each venue's broad total from the low to the high scenario."""
    revenue = data["revenue"]
    broad = revenue[(revenue["basis"] == basis) & (revenue["scope"] == "broad")]
    central = broad[broad["scenario"] == "central"]
    totals = broad.groupby(["venue", "scenario"])["revenue_usd"].sum().unstack("scenario")
    venues = list(totals.sort_values("central", ascending=False).index)
    fig = go.Figure()
    for component in COMPONENT_ORDER:
        rows = central[central["component"] == component].set_index("venue").reindex(venues)
        fig.add_trace(go.Bar(
            x=venues, y=rows["revenue_usd"].fillna(0) / 1e6, name=component,
            hovertemplate="%{x}<br>%{y:,.1f} $M<extra>" + component + "</extra>",
        ))
    t = totals.reindex(venues)
    fig.add_trace(go.Scatter(
        x=venues, y=t["central"] / 1e6, mode="markers", name="broad total (low-high range)",
        marker={"color": "#111111", "symbol": "diamond", "size": 9},
        error_y={"type": "data", "symmetric": False,
                 "array": (t["high"] - t["central"]) / 1e6,
                 "arrayminus": (t["central"] - t["low"]) / 1e6},
        hovertemplate="%{x}<br>central %{y:,.1f} $M<extra>broad total</extra>",
    ))
    fig.update_layout(
        title=f"Cascade revenue by component, $M (central scenario, basis {basis})",
        barmode="relative", height=460, yaxis_title="USD millions",
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def relief_ratio_table(data: dict[str, pd.DataFrame], venue: str) -> pd.DataFrame:
    """Relief economic cost (exchange-funded programs) / revenue, per basis x scope x scenario:
    the headline's own query (house_edge.headline.RELIEF_SQL), so report and headline agree."""
    totals = data["relief_totals"]
    rows = totals[totals["venue"] == venue].reset_index(drop=True)
    rows["ratio"] = rows["ratio"].astype("float64")  # no ratio (None) -> NaN
    return rows


def venue_revenue(data: dict[str, pd.DataFrame], venue: str,
                  basis: str = "simulated_full_record") -> pd.DataFrame:
    """The venue's modelled revenue per scope x scenario (sum of its components), empty when the
    warehouse models no revenue for it (e.g. dYdX, Lighter: relief announced, no fills)."""
    revenue = data["revenue"]
    rows = revenue[(revenue["venue"] == venue) & (revenue["basis"] == basis)]
    return rows.groupby(["scope", "scenario"], as_index=False)["revenue_usd"].sum()


def relief_status(data: dict[str, pd.DataFrame], venue: str) -> str | None:
    """Why the venue has no relief / revenue ratio, in words (None when it has one)."""
    has_relief = not relief_ratio_table(data, venue).empty
    has_revenue = not venue_revenue(data, venue).empty
    if not has_relief and not has_revenue:
        return f"{venue}: no relief programme and no modelled revenue in the warehouse"
    if not has_relief:
        return (f"{venue}: no relief programme (no exchange-funded relief in "
                "reference.relief_programs), so no relief / revenue ratio; revenue shown")
    if not has_revenue:
        return (f"{venue}: no modelled revenue (no liquidation fills of this venue in the "
                "warehouse), so no relief / revenue ratio; relief cost shown")
    return None


def relief_against_revenue_figure(data: dict[str, pd.DataFrame], venue: str) -> go.Figure:
    """Relief (economic cost) and revenue in $M on the left, their ratio on the right; a venue
    without relief programmes or without modelled revenue gets the half it has and says why."""
    table = relief_ratio_table(data, venue)
    revenue = venue_revenue(data, venue)
    status = relief_status(data, venue)
    fig = make_subplots(
        rows=1, cols=2, column_widths=[0.45, 0.55], horizontal_spacing=0.2,
        subplot_titles=(f"{venue}: relief and revenue, $M (central; bars low-high)",
                        f"{venue}: relief / revenue, x (low-central-high)"),
    )
    relief = data["relief"]
    programs = relief[(relief["venue"] == venue) & relief["is_exchange_funded"]
                      & (relief["basis"] == "simulated_full_record")
                      & (relief["scope"] == "narrow")]
    for program, rows in programs.groupby("relief_program_id", sort=True):
        by = rows.set_index("scenario")["economic_cost_usd"]
        fig.add_trace(go.Bar(
            x=["relief (economic cost)"], y=[by.get("central", 0) / 1e6], name=program,
            hovertemplate="%{y:,.1f} $M<extra>" + program + "</extra>",
        ), row=1, col=1)
    cost = table[(table["basis"] == "simulated_full_record") & (table["scope"] == "narrow")]
    cost = cost.set_index("scenario")["economic_cost_usd"]
    if set(SCENARIOS) <= set(cost.index):
        fig.add_trace(go.Scatter(
            x=["relief (economic cost)"], y=[cost["central"] / 1e6], mode="markers",
            marker={"color": "#111111", "symbol": "diamond"}, name="relief total (low-high)",
            error_y={"type": "data", "symmetric": False,
                     "array": [(cost["high"] - cost["central"]) / 1e6],
                     "arrayminus": [(cost["central"] - cost["low"]) / 1e6]},
        ), row=1, col=1)
    by_scope = revenue.pivot(index="scope", columns="scenario", values="revenue_usd") \
        .reindex(index=SCOPES, columns=SCENARIOS).dropna(how="all")
    if not by_scope.empty:
        fig.add_trace(go.Bar(
            x=[f"revenue {scope}" for scope in by_scope.index], y=by_scope["central"] / 1e6,
            name="revenue (simulated full record)", marker_color="#27ae60",
            error_y={"type": "data", "symmetric": False,
                     "array": (by_scope["high"] - by_scope["central"]) / 1e6,
                     "arrayminus": (by_scope["central"] - by_scope["low"]) / 1e6},
            hovertemplate="%{x}<br>%{y:,.1f} $M<extra>simulated full record</extra>",
        ), row=1, col=1)
    ratios_drawn = 0
    for basis in BASES:
        sub = table[table["basis"] == basis]
        if sub.empty or sub["ratio"].isna().all():
            continue  # no relief, or no positive revenue on this basis (a net fund outflow)
        ratios = sub.pivot(index="scope", columns="scenario", values="ratio") \
            .reindex(index=SCOPES, columns=SCENARIOS)
        fig.add_trace(go.Scatter(
            y=[f"{scope}, {BASIS_LABELS[basis]}" for scope in ratios.index],
            x=ratios["central"], mode="markers", name=f"ratio, {basis}",
            marker={"size": 10},
            error_x={"type": "data", "symmetric": False,
                     "array": ratios["high"] - ratios["central"],
                     "arrayminus": ratios["central"] - ratios["low"]},
            hovertemplate="%{y}<br>central %{x:.1f}x<extra></extra>",
        ), row=1, col=2)
        ratios_drawn += 1
    if not ratios_drawn:
        fig.add_annotation(text=status or f"{venue}: revenue is not positive on any basis",
                           xref="x2 domain", yref="y2 domain", x=0.5, y=0.5,
                           showarrow=False, font={"size": 13})
    fig.update_layout(barmode="stack", height=520, legend={"orientation": "h", "y": -0.3},
                      title=f"{venue}: exchange-funded relief against cascade revenue"
                      + (f" ({status})" if status else ""))
    fig.update_yaxes(title_text="USD millions", row=1, col=1)
    fig.update_xaxes(title_text="relief economic cost / revenue (x)", type="log", row=1, col=2)
    return fig


def liquidation_map_figure(data: dict[str, pd.DataFrame], symbol: str) -> go.Figure:
    liquidation_map = data["map"].copy()
    fig = go.Figure()
    if liquidation_map.empty:
        fig.update_layout(title=f"Liquidation map: no {symbol} positions in the warehouse")
        return fig
    # Venues' reference prices differ by a few dollars, so their buckets are aligned on the
    # bucket's distance from each venue's own price at the shock (the same grid for all venues).
    liquidation_map["distance_pct"] = liquidation_map["distance_from_reference_rate"] * 100
    for (venue, side), rows in liquidation_map.groupby(["venue", "side"], sort=True):
        fig.add_trace(go.Bar(
            x=rows["distance_pct"], y=rows["notional_usd"] / 1e6, name=f"{venue} {side}s",
            marker_color=VENUE_COLORS.get(venue), opacity=1.0 if side == "long" else 0.55,
            customdata=rows[["bucket_lower_price", "bucket_upper_price"]],
            hovertemplate=("%{x:.1f}% (%{customdata[0]:,.0f}-%{customdata[1]:,.0f} USD)"
                           "<br>%{y:,.1f} $M<extra>" + f"{venue} {side}s</extra>"),
        ))
    reference_price = float(liquidation_map["reference_price"].median())
    fig.add_vline(x=0, line_dash="dash", line_color="#111111",
                  annotation_text=f"price at the shock ~{reference_price:,.0f} USD")
    fig.update_layout(
        title=f"Liquidation map, {symbol}: notional liquidated if the price reaches each level "
              "(positions open at the shock; longs below, shorts above)",
        barmode="stack", bargap=0.05, height=460,
        xaxis_title=f"distance of the {symbol} price from its level at the shock, %",
        yaxis_title="USD millions", legend={"orientation": "h", "y": -0.2},
    )
    return fig


def _millions(by_scenario: pd.DataFrame, column: str) -> str:
    """The central value in $M, or 'n/a' (no scenario row, or no value: e.g. no revenue)."""
    value = by_scenario[column].get("central") if column in by_scenario else None
    return "n/a" if value is None or pd.isna(value) else f"{value / 1e6:,.1f}"


def _ratio_rows_html(table: pd.DataFrame) -> str:
    rows = []
    for basis in BASES:
        for scope in SCOPES:
            by = table[(table["basis"] == basis) & (table["scope"] == scope)].set_index("scenario")
            if by.empty:
                continue
            def ratio(s: str, by=by) -> str:
                value = by.loc[s, "ratio"] if s in by.index else None
                return "n/a" if value is None or pd.isna(value) else f"{value:.1f}x"
            rows.append(
                f"<tr><td>{basis}</td><td>{scope}</td><td>{ratio('low')}</td>"
                f"<td>{ratio('central')}</td><td>{ratio('high')}</td>"
                f"<td>{_millions(by, 'revenue_usd')}</td>"
                f"<td>{_millions(by, 'economic_cost_usd')}</td></tr>")
    return "\n".join(rows)


def report_venues(data: dict[str, pd.DataFrame]) -> list[str]:
    """Venues a report can be drawn for: those with fills (marts.dim_exchanges) and those with
    announced relief but no fills (e.g. dYdX, Lighter)."""
    venues = list(data["venues"]["venue"])
    return venues + sorted(set(data["relief_totals"]["venue"]) - set(venues))


def render_report(path: Path, venue: str = "binance", reference_symbol: str = "BTC") -> str:
    """The report's HTML. The price line is always Binance's (the deepest book); ``venue`` picks
    whose relief is set against whose revenue. Raises ReportError for an unknown venue."""
    data = read_report_data(path, reference_symbol=reference_symbol, map_symbol=reference_symbol)
    headline = read_headline(path)  # first: an empty warehouse says so (HeadlineError)
    known = report_venues(data)
    if venue not in known:
        raise ReportError(f"unknown venue {venue!r}: this warehouse has {', '.join(known)}")
    reference = f"{REFERENCE_VENUE} {reference_symbol}"
    status = relief_status(data, venue)
    figures = [
        price_and_liquidations_figure(data, reference),
        venues_figure(data),
        revenue_components_figure(data, "simulated_full_record"),
        relief_against_revenue_figure(data, venue),
        liquidation_map_figure(data, reference_symbol),
    ]
    # plotly.js inlined once (first figure), so the file works offline and stays one file.
    parts = [
        fig.to_html(full_html=False, include_plotlyjs=(i == 0), config={"displaylogo": False},
                    div_id=f"chart-{i + 1}")
        for i, fig in enumerate(figures)
    ]
    ratios = relief_ratio_table(data, venue)
    sources = "\n".join(
        f"<tr><td>{html.escape(str(r.seed))}</td><td>{html.escape(str(r.item))}</td>"
        f"<td>{html.escape(str(r.source))}</td></tr>"
        for r in data["sources"].itertuples())
    generated = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>House Edge - 10 Oct 2025 liquidation cascade</title>
<style>
 body {{ font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; color: #222; }}
 pre {{ background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 12px; }}
 table {{ border-collapse: collapse; font-size: 13px; }}
 td, th {{ border: 1px solid #ccc; padding: 3px 8px; text-align: left; }}
 .chart {{ margin: 2em 0; }}
</style></head><body>
<h1>House Edge: what the house earned from the 10 Oct 2025 cascade</h1>
<p>Built from <code>{html.escape(str(path))}</code> on {generated}. Every figure below is read
from the warehouse's marts; assumptions are dbt vars and reference seeds with a source column
(listed at the end). Ranges are low - central - high scenarios.</p>
<h2>Headline</h2>
<pre>{html.escape(headline.render())}</pre>
<h2>{html.escape(venue)}: relief / revenue</h2>
{f'<p class="status"><strong>{html.escape(status)}.</strong></p>' if status else ""}
<p>Exchange-funded relief at economic cost (vouchers x redemption, loans x subsidy and defaults,
cash at face) over the venue's cascade revenue. <code>narrow</code> = clearance fees + insurance
surplus - insurance payouts; <code>medium</code> adds taker fees on liquidation fills;
<code>broad</code> adds fees on the day's excess trading volume. <code>low</code> pairs the
lowest relief cost with the highest revenue.</p>
<table><tr><th>basis</th><th>scope</th><th>low</th><th>central</th><th>high</th>
<th>central revenue, $M</th><th>central relief cost, $M</th></tr>
{_ratio_rows_html(ratios)}
</table>
{"".join(f'<div class="chart">{part}</div>' for part in parts)}
<h2>Sources of the reference figures</h2>
<table><tr><th>seed</th><th>row</th><th>source</th></tr>
{sources}
</table>
</body></html>
"""


def write_report(path: Path, out: Path, venue: str = "binance") -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(path, venue=venue), encoding="utf-8")
    return out
