"""The headline numbers, read from the published warehouse (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from house_edge.access import connect_published, missing_relations

VENUE_SQL = """
select
    exchange_id as venue,
    liquidation_count,
    liquidated_notional_usd,
    public_feed_notional_usd,
    published_liquidations_usd,
    long_share
from marts.dim_exchanges
order by public_feed_notional_usd desc
"""

# The market as the public feeds show it (what CoinGlass-style totals are built from).
MARKET_SQL = """
with minutes as (
    select
        liquidated_minute_at,
        sum(notional_usd) as notional_usd
    from marts.fct_liquidations
    where is_shown_in_public_feed
    group by 1
)
select
    (select count(*) from marts.fct_liquidations) as liquidation_count,
    (select sum(notional_usd) from marts.fct_liquidations) as liquidated_notional_usd,
    (select sum(notional_usd) from marts.fct_liquidations where is_shown_in_public_feed)
        as public_feed_notional_usd,
    (select sum(case when is_long then notional_usd else 0 end) / sum(notional_usd)
       from marts.fct_liquidations where is_shown_in_public_feed) as public_feed_long_share,
    (select liquidated_minute_at from minutes
      order by notional_usd desc, liquidated_minute_at limit 1) as peak_minute_at,
    (select max(notional_usd) from minutes) as peak_minute_notional_usd
"""


# Relief over liquidation revenue for each venue that announced relief it funds itself
# (marts.fct_relief_to_revenue; scenarios pair low relief cost with high revenue and back).
RELIEF_SQL = """
select
    venue,
    basis,
    scope,
    scenario,
    -- no ratio over zero or negative revenue (a net insurance outflow), as in the mart
    sum(economic_cost_usd) / case when max(revenue_usd) > 0 then max(revenue_usd) end as ratio,
    max(revenue_usd) as revenue_usd,
    sum(economic_cost_usd) as economic_cost_usd
from marts.fct_relief_to_revenue
where is_exchange_funded
group by 1, 2, 3, 4
order by 1, 2, case scope when 'narrow' then 1 when 'medium' then 2 else 3 end
"""

# The modelled narrow revenue (the fund's or vault's net flow) next to what was published.
RECONCILIATION_SQL = """
select venue, basis, modelled_narrow_low_usd, modelled_narrow_central_usd,
       modelled_narrow_high_usd, published_metric, published_low_usd, published_high_usd,
       modelled_minus_published_gap_usd
from marts.fct_revenue_reconciliation
where published_metric is not null
order by venue, basis
"""


def _fmt(value: float | int | None, spec: str, scale: float = 1.0) -> str:
    """value / scale in spec, or 'n/a' aligned the same way (a venue with no fills, or no
    public-feed fills, has NULL sums and shares: the table still prints)."""
    if value is None:
        width = "".join(ch for ch in spec.split(".")[0].split(",")[0] if ch.isdigit())
        return f"{'n/a':>{width or 0}}"
    return f"{value / scale if scale != 1.0 else value:{spec}}"


@dataclass
class Headline:
    venues: list[dict]
    market: dict
    relief: list[dict] | None = None
    reconciliation: list[dict] | None = None

    def render(self) -> str:
        bn = 1e9
        lines = [
            "House Edge - 10 Oct 2025 liquidation cascade (12:00 UTC -> 11 Oct 04:00 UTC)",
            "",
            f"{'venue':<12} {'fills':>9} {'all fills $bn':>14} {'public feed $bn':>16} "
            f"{'published $bn':>14} {'long share':>11}",
        ]
        for v in self.venues:
            lines.append(
                f"{v['venue']:<12} {_fmt(v['liquidation_count'], '>9,')} "
                f"{_fmt(v['liquidated_notional_usd'], '>14.2f', bn)} "
                f"{_fmt(v['public_feed_notional_usd'], '>16.2f', bn)} "
                f"{_fmt(v['published_liquidations_usd'] or None, '>14.2f', bn)} "
                f"{_fmt(v['long_share'], '>11.1%')}")
        m = self.market
        peak = m["peak_minute_at"]
        lines += [
            f"{'all venues':<12} {_fmt(m['liquidation_count'], '>9,')} "
            f"{_fmt(m['liquidated_notional_usd'], '>14.2f', bn)} "
            f"{_fmt(m['public_feed_notional_usd'], '>16.2f', bn)} {'19.13-19.38':>14} "
            f"{_fmt(m['public_feed_long_share'], '>11.1%')}",
            "",
            f"peak minute (public feeds): {'n/a' if peak is None else f'{peak:%H:%M} UTC'}, "
            f"${_fmt(m['peak_minute_notional_usd'], '.2f', bn)} bn",
            "public feed = what the venues' public liquidation streams show (Binance: the latest "
            "fill per symbol per second); published = CoinGlass 24 h (reference.exchanges.source)",
        ]
        lines += self._render_relief()
        lines += self._render_reconciliation()
        return "\n".join(lines)

    def _render_reconciliation(self) -> list[str]:
        if not self.reconciliation:
            return []
        out = ["", "check against published figures (marts.fct_revenue_reconciliation; "
                   "narrow = the fund's / vault's net flow, $M, low - central - high):"]
        for r in self.reconciliation:
            out.append(
                f"  {r['venue']:<11} {r['basis']:<28} modelled "
                f"{r['modelled_narrow_low_usd'] / 1e6:>7.1f}"
                f" - {r['modelled_narrow_central_usd'] / 1e6:>7.1f} - "
                f"{r['modelled_narrow_high_usd'] / 1e6:>7.1f}   published {r['published_metric']}"
                f" {r['published_low_usd'] / 1e6:.1f} - {r['published_high_usd'] / 1e6:.1f}"
                + ("" if not r["modelled_minus_published_gap_usd"] else "   DISAGREE"))
        if any(r["modelled_minus_published_gap_usd"] for r in self.reconciliation):
            out.append("  DISAGREE: the modelled range misses the published one; the ratios above "
                       "rest on the model (see fct_revenue_reconciliation's description)")
        return out

    def _render_relief(self) -> list[str]:
        if not self.relief:
            return []
        table: dict[tuple, dict[str, dict]] = {}
        for r in self.relief:
            table.setdefault((r["venue"], r["basis"], r["scope"]), {})[r["scenario"]] = r
        out = ["", "relief / liquidation revenue (economic cost of exchange-funded relief; "
                   "low - central - high; marts.fct_relief_to_revenue; venues without "
                   "modelled revenue omitted):"]
        for (venue, basis, scope), by in table.items():
            if all(r.get("revenue_usd") is None for r in by.values()):
                continue  # no revenue of that venue in the warehouse (e.g. dYdX, Lighter)
            def fmt(key: str, by=by) -> str:
                ratio = by.get(key, {}).get("ratio")
                return "n/a" if ratio is None else f"{ratio:.1f}x"
            revenue = by.get("central", {}).get("revenue_usd")
            revenue_text = "n/a" if revenue is None else (
                f"{'-' if revenue < 0 else ''}${abs(revenue) / 1e6:,.1f} M")
            if revenue is not None and revenue <= 0:
                revenue_text += ": a net loss, so no ratio"
            out.append(f"  {venue:<11} {basis:<28} {scope:<7} {fmt('low'):>7} - "
                       f"{fmt('central'):>7} - {fmt('high'):>7}   (central revenue "
                       f"{revenue_text})")
        return out


class HeadlineError(RuntimeError):
    """The warehouse opens but has nothing to headline (missing marts, no fills)."""


# What the headline cannot do without; the revenue marts are optional (printed when present).
REQUIRED = ["marts.dim_exchanges", "marts.fct_liquidations"]


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def read_headline(path: Path) -> Headline:
    """The headline's numbers, read through the locked connection. Raises AccessError (cannot
    open) or HeadlineError (an empty or partial warehouse), each one line saying what to do."""
    with connect_published(path) as con:
        missing = missing_relations(con, REQUIRED)
        if missing:
            raise HeadlineError(f"{path} has no {', '.join(missing)}: it is not a complete "
                                "House Edge build; run `house-edge build` (or point "
                                "HOUSE_EDGE_PUBLISHED_PATH at a built warehouse)")
        try:
            venues = _rows(con, VENUE_SQL)
            market = _rows(con, MARKET_SQL)[0]
        except duckdb.Error as exc:  # marts of another shape (an older or foreign build)
            raise HeadlineError(f"{path} cannot be read as a House Edge warehouse "
                                f"({str(exc).splitlines()[0]}); rebuild it with "
                                "`house-edge build`") from exc
        if not venues or not market["liquidation_count"]:
            raise HeadlineError(f"{path} holds no liquidations (marts.fct_liquidations or "
                                "marts.dim_exchanges is empty): nothing to headline; rebuild "
                                "from non-empty raw files with `house-edge build`")
        optional = [None if missing_relations(con, [relation]) else _rows(con, sql)
                    for relation, sql in (("marts.fct_relief_to_revenue", RELIEF_SQL),
                                          ("marts.fct_revenue_reconciliation",
                                           RECONCILIATION_SQL))]
    return Headline(venues=venues, market=market, relief=optional[0],
                    reconciliation=optional[1])
