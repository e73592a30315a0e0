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
3. the three ledgers per venue, kept apart: exchange fee income and insurance fund / vault net
   flow (marts.fct_exchange_fee_income, marts.fct_insurance_fund_flows);
4. a venue's relief programs against its fee income, low-central-high
   (marts.fct_relief_to_fee_income);
5. what moves that ratio (marts.fct_relief_ratio_sensitivity);
6. the liquidation map of positions open at the shock (marts.fct_liquidation_map).
The first screen carries the answer: the headline's verdict and Binance's $400M against its fees.
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
from house_edge.headline import FACTOR_WORDS, read_headline

REFERENCE_VENUE = "binance"  # whose close is the price line
SCENARIOS = ("low", "central", "high")
BASES = ("published_scaled", "simulated_full_record")
BASIS_LABELS = {"simulated_full_record": "simulated full record",
                "published_scaled": "published totals x undercount"}
FEE_COMPONENT_LABELS = {"liquidation_taker_fee": "fees on forced fills",
                        "excess_volume_fee": "fees on the day's excess volume"}
KIND_LABELS = {"relief": "relief for users", "remediation": "remediation of the venue's failure",
               "affiliate_airdrop": "an affiliate's airdrop"}
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

FEE_INCOME_SQL = """
select venue, basis, scenario, component, fee_income_usd
from marts.fct_exchange_fee_income
"""

FUND_FLOWS_SQL = """
select venue, pool_id, pool_name, basis, scenario, sum(flow_usd) as net_flow_usd
from marts.fct_insurance_fund_flows
group by all
"""

RELIEF_SQL = """
select venue, program_name, relief_kind, payer, basis, scenario, face_value_usd,
       economic_cost_usd, fee_income_usd, relief_to_fee_income_ratio
from marts.fct_relief_to_fee_income
"""

SENSITIVITY_SQL = """
select venue, program_name, factor, ratio_at_low, ratio_at_central, ratio_at_high,
       sensitivity_rank
from marts.fct_relief_ratio_sensitivity
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
union all
select 'insurance_fund_pools', venue || ' ' || symbol || ' ' || pool_id, source
from reference.insurance_fund_pools
union all
select 'venue_volume_shares', venue, source from reference.venue_volume_shares
union all
select 'published_aggregates', aggregate_id, source from reference.published_aggregates
"""


class ReportError(ValueError):
    """A report that cannot be drawn as asked (e.g. a venue the warehouse does not know)."""


# Every relation the report reads (MINUTES_SQL ... SOURCES_SQL).
REQUIRED = ["marts.fct_market_minutes", "marts.fct_cascade_waves", "marts.dim_exchanges",
            "marts.fct_exchange_fee_income", "marts.fct_insurance_fund_flows",
            "marts.fct_relief_to_fee_income", "marts.fct_relief_ratio_sensitivity",
            "marts.fct_liquidation_map", "reference.exchanges", "reference.fee_schedules",
            "reference.venue_liquidation_mechanisms", "reference.relief_programs",
            "reference.relief_cost_assumptions", "reference.insurance_fund_movements",
            "reference.insurance_fund_pools", "reference.venue_volume_shares",
            "reference.published_aggregates"]


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
        "fee_income": _frame(con, FEE_INCOME_SQL),
        "fund_flows": _frame(con, FUND_FLOWS_SQL),
        "relief": _frame(con, RELIEF_SQL),
        "sensitivity": _frame(con, SENSITIVITY_SQL),
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


def _ranges(frame: pd.DataFrame, index: str, value: str) -> pd.DataFrame:
    """low / central / high columns of ``value`` summed per ``index``."""
    return frame.groupby([index, "scenario"])[value].sum().unstack("scenario") \
        .reindex(columns=list(SCENARIOS))


def ledgers_figure(data: dict[str, pd.DataFrame], basis: str = "published_scaled") -> go.Figure:
    """Two of the three ledgers side by side, never stacked together: the exchange's fee income
    (its two parts, central, whiskers low-high) and the net flow of each insurance fund or
    backstop vault (users' or depositors' money, whiskers over the scenarios)."""
    fees = data["fee_income"][data["fee_income"]["basis"] == basis]
    flows = data["fund_flows"][data["fund_flows"]["basis"] == basis]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.3, subplot_titles=(
        "Exchange fee income from the event, $M",
        "Insurance fund / vault net flow, $M (users' money, not income)"))
    totals = _ranges(fees, "venue", "fee_income_usd").sort_values("central", ascending=False)
    venues = list(totals.index)
    central = fees[fees["scenario"] == "central"]
    for component, label in FEE_COMPONENT_LABELS.items():
        rows = central[central["component"] == component].set_index("venue").reindex(venues)
        fig.add_trace(go.Bar(
            x=venues, y=rows["fee_income_usd"].fillna(0) / 1e6, name=label,
            hovertemplate="%{x}<br>%{y:,.1f} $M<extra>" + label + "</extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(
        x=venues, y=totals["central"] / 1e6, mode="markers", name="fee income, low to high",
        marker={"color": "#111111", "symbol": "diamond", "size": 9},
        error_y={"type": "data", "symmetric": False,
                 "array": (totals["high"] - totals["central"]) / 1e6,
                 "arrayminus": (totals["central"] - totals["low"]) / 1e6},
        hovertemplate="%{x}<br>central %{y:,.1f} $M<extra>fee income</extra>"), row=1, col=1)
    pools = flows.groupby(["pool_name", "scenario"])["net_flow_usd"].sum().unstack("scenario")
    pools = pools.reindex(columns=list(SCENARIOS))
    low = pools.min(axis=1)
    high = pools.max(axis=1)
    fig.add_trace(go.Bar(
        y=list(pools.index), x=pools["central"] / 1e6, orientation="h",
        name="fund / vault net flow (central)",
        marker_color=["#27ae60" if v >= 0 else "#c0392b" for v in pools["central"]],
        error_x={"type": "data", "symmetric": False, "array": (high - pools["central"]) / 1e6,
                 "arrayminus": (pools["central"] - low) / 1e6},
        hovertemplate="%{y}<br>%{x:,.1f} $M<extra>net flow</extra>"), row=1, col=2)
    fig.update_layout(barmode="stack", height=520, legend={"orientation": "h", "y": -0.35},
                      title=f"The ledgers, kept apart ({BASIS_LABELS[basis]}; central, "
                            "whiskers low to high)")
    fig.update_yaxes(title_text="USD millions", row=1, col=1)
    fig.update_xaxes(title_text="USD millions", row=1, col=2)
    fig.update_yaxes(automargin=True, row=1, col=2)
    return fig


def venue_fee_income(data: dict[str, pd.DataFrame], venue: str,
                     basis: str = "published_scaled") -> pd.Series:
    """The venue's fee income per scenario (empty when the warehouse has none for it, e.g. dYdX,
    Lighter: relief announced, no fills)."""
    fees = data["fee_income"]
    rows = fees[(fees["venue"] == venue) & (fees["basis"] == basis)]
    return rows.groupby("scenario")["fee_income_usd"].sum().reindex(
        [s for s in SCENARIOS if s in set(rows["scenario"])])


def relief_answer_table(data: dict[str, pd.DataFrame], venue: str) -> pd.DataFrame:
    """The venue's programs against its fee income: one row per program x basis x scenario
    (marts.fct_relief_to_fee_income as is: the report computes nothing a mart does not hold)."""
    relief = data["relief"]
    rows = relief[relief["venue"] == venue].reset_index(drop=True)
    rows["relief_to_fee_income_ratio"] = rows["relief_to_fee_income_ratio"].astype("float64")
    return rows


def relief_status(data: dict[str, pd.DataFrame], venue: str) -> str | None:
    """Why the venue has no relief / fee income ratio, in words (None when it has one)."""
    table = relief_answer_table(data, venue)
    has_relief = not table[table["relief_kind"] == "relief"].empty
    has_income = not venue_fee_income(data, venue).empty
    if table.empty and not has_income:
        return f"{venue}: no relief programme and no modelled fee income in the warehouse"
    if not has_relief and has_income:
        return (f"{venue}: no relief programme for its users (reference.relief_programs), so no "
                "relief / fee income ratio; fee income shown")
    if not has_income:
        return (f"{venue}: no modelled fee income (no liquidation fills of this venue in the "
                "warehouse), so no relief / fee income ratio; relief cost shown")
    return None


def relief_against_fee_income_figure(data: dict[str, pd.DataFrame], venue: str) -> go.Figure:
    """Each program's economic cost (by kind) and the venue's fee income in $M on the left, the
    relief / fee income ratio per basis on the right; what a venue lacks is said, not drawn."""
    table = relief_answer_table(data, venue)
    income = venue_fee_income(data, venue)
    status = relief_status(data, venue)
    fig = make_subplots(
        rows=1, cols=2, column_widths=[0.5, 0.5], horizontal_spacing=0.18,
        subplot_titles=(f"{venue}: programs and fee income, $M (central; whiskers low-high)",
                        f"{venue}: relief / fee income, times (low-central-high)"))
    one_basis = table[table["basis"] == BASES[0]] if not table.empty else table
    for (program, kind), rows in one_basis.groupby(["program_name", "relief_kind"], sort=True):
        by = rows.set_index("scenario")["economic_cost_usd"]
        if by.isna().all():
            continue  # no face value published (e.g. Lighter's points)
        fig.add_trace(go.Bar(
            x=[program], y=[by.get("central", 0) / 1e6], name=f"{program} ({KIND_LABELS[kind]})",
            error_y={"type": "data", "symmetric": False,
                     "array": [(by.get("high", 0) - by.get("central", 0)) / 1e6],
                     "arrayminus": [(by.get("central", 0) - by.get("low", 0)) / 1e6]},
            hovertemplate="%{y:,.1f} $M<extra>" + KIND_LABELS[kind] + "</extra>"), row=1, col=1)
    if not income.empty:
        fig.add_trace(go.Bar(
            x=["fee income from the event"], y=[income.get("central", 0) / 1e6],
            name=f"fee income ({BASIS_LABELS[BASES[0]]})", marker_color="#27ae60",
            error_y={"type": "data", "symmetric": False,
                     "array": [(income.get("high", 0) - income.get("central", 0)) / 1e6],
                     "arrayminus": [(income.get("central", 0) - income.get("low", 0)) / 1e6]},
            hovertemplate="%{y:,.1f} $M<extra>fee income</extra>"), row=1, col=1)
    ratios_drawn = 0
    relief_rows = table[table["relief_kind"] == "relief"]
    for basis in BASES:
        sub = relief_rows[relief_rows["basis"] == basis]
        if sub.empty or sub["relief_to_fee_income_ratio"].isna().all():
            continue
        ratios = sub.pivot(index="program_name", columns="scenario",
                           values="relief_to_fee_income_ratio").reindex(columns=list(SCENARIOS))
        fig.add_trace(go.Scatter(
            y=[f"{program}, {BASIS_LABELS[basis]}" for program in ratios.index],
            x=ratios["central"], mode="markers", name=f"ratio, {BASIS_LABELS[basis]}",
            marker={"size": 11},
            error_x={"type": "data", "symmetric": False,
                     "array": ratios["high"] - ratios["central"],
                     "arrayminus": ratios["central"] - ratios["low"]},
            hovertemplate="%{y}<br>central %{x:.1f}x<extra></extra>"), row=1, col=2)
        ratios_drawn += 1
    if not ratios_drawn:
        fig.add_annotation(text=status or f"{venue}: no positive fee income",
                           xref="x2 domain", yref="y2 domain", x=0.5, y=0.5,
                           showarrow=False, font={"size": 13})
    fig.update_layout(height=520, legend={"orientation": "h", "y": -0.3},
                      title=f"{venue}: relief set against what the exchange earned in fees"
                      + (f" ({status})" if status else ""))
    fig.update_yaxes(title_text="USD millions", row=1, col=1)
    fig.update_xaxes(title_text="relief economic cost / fee income (times)", row=1, col=2)
    fig.update_yaxes(automargin=True, row=1, col=2)
    return fig


def sensitivity_figure(data: dict[str, pd.DataFrame], venue: str) -> go.Figure:
    """A tornado: how far each unknown alone moves the venue's relief / fee income ratio."""
    rows = data["sensitivity"][data["sensitivity"]["venue"] == venue]
    fig = go.Figure()
    if rows.empty:
        fig.update_layout(title=f"{venue}: no exchange-funded relief programme, so no ratio to "
                                "take apart", height=300)
        fig.add_annotation(text=f"{venue} has no relief / fee income ratio", x=0.5, y=0.5,
                           xref="paper", yref="paper", showarrow=False)
        return fig
    program = rows.sort_values("sensitivity_rank")["program_name"].iloc[0]
    rows = rows[rows["program_name"] == program].sort_values("sensitivity_rank", ascending=False)
    labels = [FACTOR_WORDS.get(f, f) for f in rows["factor"]]
    central = float(rows["ratio_at_central"].iloc[0])
    for column, name, color in (("ratio_at_low", "factor at its low value", "#2980b9"),
                                ("ratio_at_high", "factor at its high value", "#e67e22")):
        fig.add_trace(go.Bar(
            y=labels, x=rows[column] - central, base=central, orientation="h", name=name,
            marker_color=color,
            hovertemplate="%{y}<br>ratio %{x:.1f}x<extra>" + name + "</extra>"))
    fig.add_vline(x=central, line_dash="dash", annotation_text=f"central {central:.1f}x")
    fig.update_layout(
        title=f"{venue}: what moves relief / fee income most ({program}; one unknown at a time, "
              "the rest central)", barmode="overlay", height=420,
        xaxis_title="relief economic cost / fee income (times)",
        legend={"orientation": "h", "y": -0.25})
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


def _answer_rows_html(table: pd.DataFrame) -> str:
    rows = []
    order = {kind: i for i, kind in enumerate(KIND_LABELS)}  # relief first, then the others
    groups = sorted(table.groupby(["program_name", "relief_kind", "basis"]),
                    key=lambda g: (order[g[0][1]], g[0][0], BASES.index(g[0][2])))
    for (program, kind, basis), by in groups:
        by = by.set_index("scenario")

        def value(s: str, column: str, scale: float = 1.0, fmt: str = "{:,.1f}", by=by) -> str:
            v = by[column].get(s) if column in by else None
            return "n/a" if v is None or pd.isna(v) else fmt.format(v / scale)
        rows.append(
            f"<tr><td>{html.escape(program)}</td><td>{KIND_LABELS[kind]}</td>"
            f"<td>{BASIS_LABELS.get(basis, basis)}</td>"
            f"<td>{value('central', 'economic_cost_usd', 1e6)}</td>"
            f"<td>{value('central', 'fee_income_usd', 1e6)}</td>"
            f"<td>{value('low', 'relief_to_fee_income_ratio', fmt='{:.1f}x')}</td>"
            f"<td>{value('central', 'relief_to_fee_income_ratio', fmt='{:.1f}x')}</td>"
            f"<td>{value('high', 'relief_to_fee_income_ratio', fmt='{:.1f}x')}</td></tr>")
    return "\n".join(rows)


def report_venues(data: dict[str, pd.DataFrame]) -> list[str]:
    """Venues a report can be drawn for: those with fills (marts.dim_exchanges) and those with
    announced relief but no fills (e.g. dYdX, Lighter)."""
    venues = list(data["venues"]["venue"])
    return venues + sorted(set(data["relief"]["venue"]) - set(venues))


def render_report(path: Path, venue: str = "binance", reference_symbol: str = "BTC") -> str:
    """The report's HTML. The price line is always Binance's (the deepest book); ``venue`` picks
    whose relief is set against its fee income. Raises ReportError for an unknown venue."""
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
        ledgers_figure(data),
        relief_against_fee_income_figure(data, venue),
        sensitivity_figure(data, venue),
        liquidation_map_figure(data, reference_symbol),
    ]
    # plotly.js inlined once (first figure), so the file works offline and stays one file.
    parts = [
        fig.to_html(full_html=False, include_plotlyjs=(i == 0), config={"displaylogo": False},
                    div_id=f"chart-{i + 1}")
        for i, fig in enumerate(figures)
    ]
    answer = relief_answer_table(data, venue)
    verdict = headline.verdict() or "no venue in this warehouse has relief set against fee income"
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
 .verdict {{ font-size: 1.35em; font-weight: 600; }}
</style></head><body>
<h1>House Edge: what the house earned from the 10 Oct 2025 cascade</h1>
<p class="verdict">{html.escape(verdict)}</p>
<p>Three ledgers, never added together: the exchange's <strong>fee income</strong> (fees on the
forced fills and on the day's excess trading), its <strong>insurance fund</strong> (a reserve of
liquidated users' margin, or HLP depositors' money: not income) and its <strong>relief and
compensation</strong> programs (Binance's $400M "Together" = $300M vouchers + $100M loans, set
against fee income; its ~$283M depeg compensation remediates its own collateral pricing and is
shown apart). Built from <code>{html.escape(str(path))}</code> on {generated}; every figure is
read from the warehouse's marts, every assumption is a dbt var or a reference seed with a source
(listed at the end). Ranges are low - central - high.</p>
<h2>Headline</h2>
<pre>{html.escape(headline.render())}</pre>
<h2>{html.escape(venue)}: relief against fee income</h2>
{f'<p class="status"><strong>{html.escape(status)}.</strong></p>' if status else ""}
<p>Each program's economic cost (vouchers x share redeemed, loans x interest subsidy and defaults,
cash at face) over the venue's fee income from the event. <code>low</code> pairs the lowest cost
with the highest income.</p>
<table><tr><th>program</th><th>kind</th><th>basis</th><th>central cost, $M</th>
<th>central fee income, $M</th><th>low</th><th>central</th><th>high</th></tr>
{_answer_rows_html(answer)}
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
