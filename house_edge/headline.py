"""The headline numbers, read from the published warehouse (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
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

# CoinGlass's all-venue 24 h total (the reference seed), printed beside the venues' sum.
PUBLISHED_TOTAL_SQL = """
select value_low_usd as published_total_low_usd, value_high_usd as published_total_high_usd
from reference.published_aggregates
where aggregate_id = 'coinglass_total_24h'
"""

# The simulator's optional inputs (README "The answer"), each read from beside the raw positions
# or liquidations when the simulation wrote it: rows loaded, so that a build whose raw files were
# moved without them says so (HLP keeps the ADL'd takeovers, Binance's fund loses the drain).
# Printed only when the build holds simulated liquidations.
OPTIONAL_INPUTS = (
    ("collateral accounts", "staging.stg_simulator__account_collateral", "raw_account_collateral",
     "raw_positions"),
    ("Hyperliquid ADL fills", "staging.stg_simulator__adl_fills", "raw_adl_fills",
     "raw_liquidations"),
    ("cross-margin drains", "staging.stg_simulator__cross_margin_drains",
     "raw_cross_margin_drains", "raw_positions"),
)


# The answer (issue 15): each exchange-funded relief program (relief_kind = 'relief') against the
# venue's exchange fee income, published basis first (marts.fct_relief_to_fee_income; the ratio's
# low pairs the lowest cost with the highest income and back).
ANSWER_SQL = """
select venue, program_name, basis, scenario, face_value_usd, economic_cost_usd, fee_income_usd,
       relief_to_fee_income_ratio, liquidated_users_lost_margin_usd
from marts.fct_relief_to_fee_income
where relief_kind = 'relief' and is_exchange_funded and fee_income_usd is not null
order by venue, program_name, basis desc, scenario
"""

# The fee ledger's two parts, central, per venue and basis.
FEE_SQL = """
select venue, basis, scenario, component, fee_income_usd, undercount_ratio
from marts.fct_exchange_fee_income
"""

# Every program of a venue that has a relief answer, central: remediation and affiliates apart.
PROGRAMS_SQL = """
select venue, program_name, relief_kind, payer, sum(face_value_usd) as face_value_usd,
       sum(economic_cost_usd) as economic_cost_usd, bool_or(is_liability_accepted) as liability
from marts.fct_relief_programs
where scenario = 'central'
group by 1, 2, 3, 4
order by 1, 3, 2
"""

# The modelled fund / vault result next to what was published.
RECONCILIATION_SQL = """
select venue, pool_id, pool_name, basis, modelled_low_usd, modelled_central_usd,
       modelled_high_usd, published_metric, published_low_usd, published_high_usd,
       reconciliation_status, is_fitted_to_published
from marts.fct_fund_flow_reconciliation
where published_metric is not null
order by venue, basis desc
"""

# What moves the answer most (marts.fct_relief_ratio_sensitivity).
SENSITIVITY_SQL = """
select venue, program_name, factor, ratio_at_low, ratio_at_high, sensitivity_rank
from marts.fct_relief_ratio_sensitivity
order by venue, program_name, sensitivity_rank
"""

FACTOR_WORDS = {
    "undercount": "Binance's true liquidations (CoinGlass's 30-40 $bn anchor)",
    "volume_share": "its share of the day's volume",
    "fee_tier_mix": "the fee-tier mix",
    "taker_fee_rate": "the taker fee",
    "voucher_redemption": "vouchers redeemed",
    "loan_interest_subsidy": "the loans' interest subsidy",
    "loan_default_rate": "loan defaults",
    "loan_term": "the loans' term",
}


def _musd(value: float | None) -> str:
    if value is None:
        return "n/a"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e9:
        return f"{sign}${value / 1e9:,.2f}bn"
    return f"{sign}${value / 1e6:,.0f}M" if value >= 1e8 else f"{sign}${value / 1e6:,.1f}M"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}x"


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
    answer: list[dict] | None = None
    fees: list[dict] | None = None
    programs: list[dict] | None = None
    reconciliation: list[dict] | None = None
    sensitivity: list[dict] | None = None
    optional_inputs: list[tuple[str, int | None, str, str]] | None = None

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
            f"{_fmt(m['public_feed_notional_usd'], '>16.2f', bn)} "
            f"{_range(m.get('published_total_low_usd'), m.get('published_total_high_usd')):>14} "
            f"{_fmt(m['public_feed_long_share'], '>11.1%')}",
            "",
            f"peak minute (public feeds): {'n/a' if peak is None else f'{peak:%H:%M} UTC'}, "
            f"${_fmt(m['peak_minute_notional_usd'], '.2f', bn)} bn",
            "public feed = what the venues' public liquidation streams show (Binance: the latest "
            "fill per symbol per second); published = CoinGlass 24 h (reference.exchanges.source)",
        ]
        lines += _optional_inputs_line(self.optional_inputs or [])
        lines += self._render_answer()
        lines += self._render_reconciliation()
        return "\n".join(lines)

    def _answers(self) -> dict[tuple, dict[str, dict[str, dict]]]:
        """(venue, program) -> basis -> scenario -> row."""
        out: dict[tuple, dict[str, dict[str, dict]]] = {}
        for r in self.answer or []:
            out.setdefault((r["venue"], r["program_name"]), {}).setdefault(
                r["basis"], {})[r["scenario"]] = r
        return out

    def verdict(self) -> str | None:
        """One quotable sentence: the first venue's relief against its fee income."""
        for (venue, program), by_basis in self._answers().items():
            by = by_basis.get("published_scaled") or next(iter(by_basis.values()))
            central, low, high = by.get("central"), by.get("low"), by.get("high")
            if not central or central["relief_to_fee_income_ratio"] is None:
                continue
            fund = next((r for r in self.reconciliation or []
                         if r["venue"] == venue and r["basis"] == "published_scaled"), None)
            text = (f"{venue.capitalize()}'s {_musd(central['face_value_usd'])} \"{program}\" "
                    f"relief costs it about {_ratio(central['relief_to_fee_income_ratio'])} "
                    f"({_ratio(low and low['relief_to_fee_income_ratio'])}-"
                    f"{_ratio(high and high['relief_to_fee_income_ratio'])}) the fees it earned "
                    f"from the 10 Oct cascade ({_musd(central['fee_income_usd'])})")
            if fund is not None:
                text += (f"; its {fund['pool_name']} meanwhile moved by "
                         f"{_musd(fund['modelled_central_usd'])} (published "
                         f"{_musd(fund['published_low_usd'])} to "
                         f"{_musd(fund['published_high_usd'])}), users' money, not income")
            return text + "."
        return None

    def _render_answer(self) -> list[str]:
        answers = self._answers()
        if not answers:
            return []
        out = []
        for (venue, program), by_basis in answers.items():
            basis = "published_scaled" if "published_scaled" in by_basis else next(iter(by_basis))
            by = by_basis[basis]
            central, low, high = by.get("central", {}), by.get("low", {}), by.get("high", {})
            face = central.get("face_value_usd")
            parts = {f["component"]: f["fee_income_usd"] for f in self.fees or []
                     if f["venue"] == venue and f["basis"] == basis and f["scenario"] == "central"}
            undercount = {f["scenario"]: f["undercount_ratio"] for f in self.fees or []
                          if f["venue"] == venue and f["basis"] == basis
                          and f["component"] == "liquidation_taker_fee"}
            components = [p for p in self.programs or []
                          if p["venue"] == venue and p["program_name"] == program]
            out += [
                "",
                f"{venue.upper()}: {_musd(face)} \"{program}\" relief against what the exchange "
                f"earned in fees from the cascade (marts.fct_relief_to_fee_income, {basis}; "
                "low - central - high)",
                f"  fee income from the event      {_musd(high.get('fee_income_usd'))} - "
                f"{_musd(central.get('fee_income_usd'))} - {_musd(low.get('fee_income_usd'))}"
                f"   (central: fees on forced fills {_musd(parts.get('liquidation_taker_fee'))}"
                f" + on the day's excess volume {_musd(parts.get('excess_volume_fee'))})",
                f"  relief's economic cost         {_musd(low.get('economic_cost_usd'))} - "
                f"{_musd(central.get('economic_cost_usd'))} - "
                f"{_musd(high.get('economic_cost_usd'))}   (of {_musd(face)} face value"
                + ("; liability not accepted)" if components and not components[0]["liability"]
                   else ")"),
                f"  relief / fee income            {_ratio(low.get('relief_to_fee_income_ratio'))}"
                f" - {_ratio(central.get('relief_to_fee_income_ratio'))} - "
                f"{_ratio(high.get('relief_to_fee_income_ratio'))}",
            ]
            if undercount.get("central") not in (None, 1.0):
                out.append(f"  (true liquidations = CoinGlass's counted figure x "
                           f"{undercount.get('low', 0):.1f} - {undercount['central']:.1f} - "
                           f"{undercount.get('high', 0):.1f}: its public feed shows one order "
                           "per symbol per second; anchor: CoinGlass's 30-40 $bn true total)")
            out.append("  beside it, never added to it:")
            for fund in (r for r in self.reconciliation or []
                         if r["venue"] == venue and r["basis"] == basis):
                out.append(f"    {fund['pool_name']}: modelled "
                           f"{_musd(fund['modelled_central_usd'])} "
                           f"({_musd(fund['modelled_low_usd'])} to "
                           f"{_musd(fund['modelled_high_usd'])}), published "
                           f"{_musd(fund['published_low_usd'])} to "
                           f"{_musd(fund['published_high_usd'])}: {_status(fund)}"
                           " (users' money held in reserve, not income)")
            out.append(f"    liquidated {venue} users' lost margin: "
                       f"{_musd(central.get('liquidated_users_lost_margin_usd'))}")
            for other in (p for p in self.programs or []
                          if p["venue"] == venue and p["relief_kind"] != "relief"):
                kind = ("remediation of the venue's own failure, not relief"
                        if other["relief_kind"] == "remediation" else
                        f"paid by {other['payer']}, an affiliate")
                out.append(f"    {other['program_name']}: {_musd(other['face_value_usd'])} "
                           f"({kind})")
            movers = [r for r in self.sensitivity or []
                      if r["venue"] == venue and r["program_name"] == program][:3]
            if movers:
                out.append("  what moves the ratio most (marts.fct_relief_ratio_sensitivity): "
                           + "; ".join(f"{FACTOR_WORDS.get(r['factor'], r['factor'])} "
                                       f"{_ratio(r['ratio_at_low'])} to "
                                       f"{_ratio(r['ratio_at_high'])}" for r in movers))
        verdict = self.verdict()
        if verdict:
            out += ["", "Verdict: " + verdict]
        return out

    def _render_reconciliation(self) -> list[str]:
        if not self.reconciliation:
            return []
        out = ["", "the model against what was published (marts.fct_fund_flow_reconciliation; "
                   "net flow of the fund / vault, low - central - high):"]
        for r in self.reconciliation:
            out.append(
                f"  {r['venue']:<11} {r['basis']:<22} modelled "
                f"{_musd(r['modelled_low_usd'])} - {_musd(r['modelled_central_usd'])} - "
                f"{_musd(r['modelled_high_usd'])}; published {r['published_metric']} "
                f"{_musd(r['published_low_usd'])} to {_musd(r['published_high_usd'])}: "
                f"{_status(r)}")
        if any(r["reconciliation_status"] == "overlaps" and r.get("is_fitted_to_published")
               for r in self.reconciliation):
            out.append("  by calibration = not an independent check: the model's free parameter "
                       "for that fund (seed insurance_fund_pools.fitted_by: Binance's "
                       "cross-margin drain, HLP's unwind horizon) is sized to this published "
                       "figure on the committed sample (scale 0.005, one seed); larger "
                       "simulations of the same model miss Binance's (README \"The fund fits "
                       "hold at the sample's scale\")")
        if any(r["reconciliation_status"] == "misses" for r in self.reconciliation):
            out.append("  misses: the simulator lacks a mechanism that moved this fund or vault "
                       "on the day, or sizes one wrongly (README \"The answer\")")
        return out


def _status(row: dict) -> str:
    """A reconciliation row's status, saying when the overlap was fitted rather than checked."""
    status = row["reconciliation_status"]
    if status == "overlaps" and row.get("is_fitted_to_published"):
        return "overlaps by calibration"
    return status


class HeadlineError(RuntimeError):
    """The warehouse opens but has nothing to headline (missing marts, no fills)."""


# What the headline cannot do without; the revenue marts are optional (printed when present).
REQUIRED = ["marts.dim_exchanges", "marts.fct_liquidations"]


def _optional_inputs_line(inputs: list[tuple[str, int | None, str, str]]) -> list[str]:
    parts, absent = [], []
    for name, rows, stem, beside in inputs:
        if rows is None:
            continue
        parts.append(f"{name} {rows:,}")
        if rows == 0:
            absent.append(f"{name} ({stem} beside {beside})")
    if not parts:
        return []
    out = ["simulator inputs read beside the raw files (rows): " + ", ".join(parts)]
    if absent:
        out.append("  not modelled in this build, no rows: " + "; ".join(absent)
                   + " -- the mechanism is off in the simulation, or its file was not moved "
                   "with the raw files")
    return out


def _range(low: float | None, high: float | None) -> str:
    """A published $bn range from the reference seed ('-' when the seed has no row)."""
    if low is None or high is None:
        return "-"
    return f"{float(low) / 1e9:.2f}-{float(high) / 1e9:.2f}"


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    # money is DECIMAL(38,6) in the marts (README "Types"): printed as floats, to the cent at most
    return [{c: float(v) if isinstance(v, Decimal) else v for c, v in zip(cols, row, strict=True)}
            for row in cur.fetchall()]


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
        optional = {
            name: None if missing_relations(con, [relation]) else _rows(con, sql)
            for name, relation, sql in (
                ("answer", "marts.fct_relief_to_fee_income", ANSWER_SQL),
                ("fees", "marts.fct_exchange_fee_income", FEE_SQL),
                ("programs", "marts.fct_relief_programs", PROGRAMS_SQL),
                ("reconciliation", "marts.fct_fund_flow_reconciliation", RECONCILIATION_SQL),
                ("sensitivity", "marts.fct_relief_ratio_sensitivity", SENSITIVITY_SQL))}
        if not missing_relations(con, ["reference.published_aggregates"]):
            market.update((_rows(con, PUBLISHED_TOTAL_SQL) or [{}])[0])
        simulated = not missing_relations(con, ["staging.stg_simulator__liquidations"]) and (
            con.execute("select count(*) from staging.stg_simulator__liquidations").fetchone()[0])
        inputs = [] if not simulated else [(name, None if missing_relations(con, [relation]) else
                   con.execute(f"select count(*) from {relation}").fetchone()[0], stem, beside)
                  for name, relation, stem, beside in OPTIONAL_INPUTS]
    return Headline(venues=venues, market=market, optional_inputs=inputs, **optional)
