"""The headline numbers, read from the published warehouse (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from house_edge.access import connect_published

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
            published = v["published_liquidations_usd"]
            lines.append(
                f"{v['venue']:<12} {v['liquidation_count']:>9,} "
                f"{v['liquidated_notional_usd'] / bn:>14.2f} "
                f"{v['public_feed_notional_usd'] / bn:>16.2f} "
                f"{(published / bn if published else float('nan')):>14.2f} "
                f"{v['long_share']:>11.1%}")
        m = self.market
        lines += [
            f"{'all venues':<12} {m['liquidation_count']:>9,} "
            f"{m['liquidated_notional_usd'] / bn:>14.2f} "
            f"{m['public_feed_notional_usd'] / bn:>16.2f} {'19.13-19.38':>14} "
            f"{m['public_feed_long_share']:>11.1%}",
            "",
            f"peak minute (public feeds): {m['peak_minute_at']:%H:%M} UTC, "
            f"${m['peak_minute_notional_usd'] / bn:.2f} bn",
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


def read_headline(path: Path) -> Headline:
    with connect_published(path) as con:
        cur = con.execute(VENUE_SQL)
        cols = [d[0] for d in cur.description]
        venues = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
        cur = con.execute(MARKET_SQL)
        cols = [d[0] for d in cur.description]
        market = dict(zip(cols, cur.fetchone(), strict=True))
        try:
            cur = con.execute(RELIEF_SQL)
        except duckdb.CatalogException:  # a warehouse built without the revenue marts
            relief = None
        else:
            cols = [d[0] for d in cur.description]
            relief = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
        try:
            cur = con.execute(RECONCILIATION_SQL)
        except duckdb.CatalogException:
            reconciliation = None
        else:
            cols = [d[0] for d in cur.description]
            reconciliation = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    return Headline(venues=venues, market=market, relief=relief, reconciliation=reconciliation)
