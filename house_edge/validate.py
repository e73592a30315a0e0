"""The publish gate: Great Expectations suites run on the BUILT private file before it is published.

Execution path (chosen by measurement): every check is
a SQL query that DuckDB runs on a read-only connection to the private build file; DuckDB returns
one small number per check (violating rows, or a rate), and a few example rows only when the
check fails. Great Expectations then validates those small per-suite results (one row, one column
per check) with the pandas datasource, so its suites, severities, validation results and Data
Docs are the record, while the 2M-row scans stay inside DuckDB: sub-second per suite, memory
bounded by DuckDB's streaming operators, no DataFrame of the fact table in Python. (The pandas
datasource on whole tables costs a full copy of each table in memory and seconds per
expectation at 2M rows; the GX SQL datasource is broken on DuckDB as shipped.)

Measured on the scale-1 bench build (2,052,589 liquidations, 3.2M positions; 2 cores):
  * this path, all 24 checks: 6.2 s inside ``build_and_publish`` (0.7 s of it in DuckDB, the
    rest GX's fixed cost: import, context, 4 validations, Data Docs) against 50.5 s of
    ``dbt build`` (12%); peak RSS of a validation process 282 MiB (233 MiB of it: importing GX);
  * the pandas datasource, 5 expectations on fct_liquidations alone: 79 s, 969 MiB (on a
    busy machine; even halved, over the 25% budget by itself).
At the default sample the same fixed cost is 5.9 s against a 22.6 s ``dbt build``.

Each suite is one function returning its checks; add a suite for a later mart
by writing one more ``*_suite`` function and listing it in ``SUITES`` (as ``waves``,
``revenue`` and ``positions_marts`` do). Each check is tagged
``critical`` (blocks publishing) or ``warning`` (published, printed and recorded), both as the
GX expectation's ``severity`` and in its ``meta``.

Thresholds are dbt-var-like settings: a default here, overridable by the same-named key in
``dbt_project.yml`` ``vars:`` or by the build's ``--vars`` (``extra_vars``), so one place
configures both dbt and the gate.

Quarantine policy: staging moves rows that fail basic checks (non-positive prices, high < low,
duplicate keys, ...) to ``staging.stg_simulator__<table>_quarantine``, so those rows never reach
the marts. A gate that looked only at the marts would let a corrupted file publish silently with
its bad rows set aside. The gate therefore holds a CRITICAL expectation per raw table that the
quarantined share of raw rows is at most ``gate_max_quarantine_rate`` (default 0: the simulator
writes no bad rows, so any quarantined row means a corrupted input). Raise it for a known-dirty
real feed; the quarantined rows per reason are always in the summary. Venue files (var
``venue_files``) are held to the same setting per file, two expectations per format (suite
``venue_files``, over ``staging.stg_venue_files__inputs``): a file whose records are all
quarantined fails the gate (critical) naming the file, its main reason and the hint (e.g.
``:symbol=BTC`` for a klines file whose name carries no symbol); a file above the rate that
still loads records is a warning (real captures always hold some quarantined records).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

CRITICAL = "critical"
WARNING = "warning"
EXAMPLE_ROWS = 5

# Defaults of the gate's settings; each may be overridden as a dbt var of the same name.
DEFAULT_SETTINGS: dict[str, Any] = {
    "event_window_start": "2025-10-10 12:00:00",
    "event_window_end": "2025-10-11 04:00:00",
    # Largest share of raw rows staging may quarantine per table before the build is refused.
    "gate_max_quarantine_rate": 0.0,
    # A fill may lie outside its minute bar's [low, high] by this fraction of the price.
    "gate_fill_price_tolerance_rate": 0.001,
    # Same symbol, same minute: (max close - min close) / min close across venues above this
    # is flagged (glitch prints, depegs). A warning: it happened for real on 10 Oct.
    "gate_cross_venue_divergence_rate": 0.05,
    "gate_max_leverage": 125.0,
}


@dataclass(frozen=True)
class Check:
    """One expectation. ``violations_sql`` selects the offending rows (examples are taken from
    it); ``measure_sql`` returns the single number GX validates (default: the number of
    offending rows); the check passes when ``min_value <= measure <= max_value``."""

    name: str
    severity: str
    description: str
    violations_sql: str
    max_value: float = 0.0
    min_value: float = 0.0
    measure_sql: str | None = None

    def measure_query(self) -> str:
        return self.measure_sql or f"select count(*) from ({self.violations_sql})"


@dataclass
class CheckResult:
    name: str
    suite: str
    severity: str
    description: str
    success: bool
    observed: float
    min_value: float
    max_value: float
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ValidationSummary:
    database: str
    seconds: float
    results: list[CheckResult]
    duckdb_seconds: float = 0.0
    data_docs_index: str | None = None

    @property
    def critical_failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity == CRITICAL]

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity == WARNING]

    @property
    def success(self) -> bool:
        return not self.critical_failures

    def to_json(self) -> str:
        return json.dumps({
            "database": self.database,
            "seconds": round(self.seconds, 3),
            "duckdb_seconds": round(self.duckdb_seconds, 3),
            "success": self.success,
            "critical_failures": [r.name for r in self.critical_failures],
            "warnings": [r.name for r in self.warnings],
            "data_docs_index": self.data_docs_index,
            "results": [asdict(r) for r in self.results],
        }, indent=2, default=str)


def describe(result: CheckResult) -> str:
    """One failed expectation, its count and a few example rows, for messages and the CLI."""
    observed = (f"{result.observed:g}" if result.observed == int(result.observed)
                else f"{result.observed:.6g}")
    lines = [f"  [{result.severity}] {result.suite}.{result.name}: observed {observed}, allowed "
             f"[{result.min_value:g}, {result.max_value:g}] -- {result.description}"]
    for row in result.examples:
        lines.append("      e.g. " + ", ".join(f"{k}={v}" for k, v in row.items()))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------- suites

def _row_check(name: str, severity: str, description: str, table: str, bad_condition: str,
               order_by: str | None = None) -> Check:
    """Rows of ``table`` for which ``bad_condition`` holds (null counts as bad)."""
    order = f" order by {order_by}" if order_by else ""
    return Check(name, severity, description,
                 f"select * from {table} where coalesce({bad_condition}, true){order}")


def _duplicate_check(name: str, table: str, key: str) -> Check:
    return Check(name, CRITICAL, f"no two rows of {table} share ({key})",
                 f"select {key}, count(*) as rows from {table} group by {key} "
                 f"having count(*) > 1 order by rows desc")


def _quarantine_check(table: str, clean: str, quarantine: str, settings: dict) -> Check:
    rate = float(settings["gate_max_quarantine_rate"])
    return Check(
        f"quarantine_rate_{table}", CRITICAL,
        f"share of raw {table} rows quarantined by staging (bad rows never reach the marts; "
        f"a corrupted input must not publish silently) at most gate_max_quarantine_rate",
        f"select quarantine_reason, count(*) as rows from {quarantine} group by 1 "
        f"order by rows desc",
        max_value=rate,
        measure_sql=(f"select coalesce((select count(*) from {quarantine})::double / "
                     f"nullif((select count(*) from {quarantine}) + "
                     f"(select count(*) from {clean}), 0), 0)"),
    )


def price_bars_suite(s: dict) -> list[Check]:
    t = "staging.stg_simulator__price_bars"
    div = float(s["gate_cross_venue_divergence_rate"])
    return [
        _quarantine_check("price_bars", t, "staging.stg_simulator__price_bars_quarantine", s),
        _row_check("prices_positive", CRITICAL, "open, high, low, close > 0", t,
                   "not (open_price > 0 and high_price > 0 and low_price > 0 "
                   "and close_price > 0)"),
        _row_check("high_at_least_open_close", CRITICAL, "high >= max(open, close)", t,
                   "high_price < greatest(open_price, close_price)"),
        _row_check("low_at_most_open_close", CRITICAL, "low <= min(open, close)", t,
                   "low_price > least(open_price, close_price)"),
        _duplicate_check("unique_venue_symbol_minute", t, "venue, symbol, bar_opened_at"),
        Check("no_minute_gaps", WARNING,
              "consecutive bars of a venue x symbol are one minute apart",
              f"select * from (select venue, symbol, lag(bar_opened_at) over w as previous_bar_at,"
              f" bar_opened_at from {t} window w as (partition by venue, symbol "
              f"order by bar_opened_at)) where bar_opened_at - previous_bar_at > interval 1 minute"
              f" order by bar_opened_at - previous_bar_at desc"),
        Check("cross_venue_close_divergence", WARNING,
              f"same symbol, same minute: venues' closes within {div:.0%} of each other "
              f"(glitch prints, depegs)",
              f"select symbol, bar_opened_at, min(close_price) as min_close, "
              f"max(close_price) as max_close, arg_min(venue, close_price) as low_venue, "
              f"arg_max(venue, close_price) as high_venue, "
              f"round(max(close_price) / min(close_price) - 1, 4) as divergence_rate "
              f"from {t} group by symbol, bar_opened_at having count(*) > 1 "
              f"and max(close_price) / min(close_price) - 1 > {div} "
              f"order by divergence_rate desc"),
    ]


def positions_suite(s: dict) -> list[Check]:
    t = "staging.stg_simulator__positions"
    lev = float(s["gate_max_leverage"])
    return [
        _quarantine_check("positions", t, "staging.stg_simulator__positions_quarantine", s),
        _row_check("leverage_at_least_1", CRITICAL, "leverage >= 1", t, "leverage < 1",
                   "leverage"),
        _row_check("leverage_at_most_venue_cap", CRITICAL, f"leverage <= {lev:g}", t,
                   f"leverage > {lev}", "leverage desc"),
        _row_check("maintenance_margin_rate_in_range", CRITICAL,
                   "0 < maintenance_margin_rate < 0.5", t,
                   "not (maintenance_margin_rate > 0 and maintenance_margin_rate < 0.5)"),
        _row_check("side_in_set", CRITICAL, "side in (long, short)", t,
                   "side not in ('long', 'short')"),
        _row_check("margin_mode_in_set", CRITICAL, "margin_mode in (isolated, cross)", t,
                   "margin_mode not in ('isolated', 'cross')"),
    ]


def liquidations_suite(s: dict) -> list[Check]:
    t = "marts.fct_liquidations"
    tol = float(s["gate_fill_price_tolerance_rate"])
    start, end = s["event_window_start"], s["event_window_end"]
    return [
        _quarantine_check("liquidations", "staging.stg_simulator__liquidations",
                          "staging.stg_simulator__liquidations_quarantine", s),
        _row_check("quantity_and_price_positive", CRITICAL, "quantity > 0 and price > 0", t,
                   "not (quantity > 0 and price > 0)"),
        _row_check("side_in_set", CRITICAL, "side in (long, short)", t,
                   "side not in ('long', 'short')"),
        _row_check("liquidated_inside_event_window", CRITICAL,
                   f"liquidated_at in [{start}, {end})", t,
                   f"not (liquidated_at >= timestamp '{start}' "
                   f"and liquidated_at < timestamp '{end}')"),
        _duplicate_check("unique_liquidation_id", t, "liquidation_id"),
        Check("fill_price_within_minute_bar", CRITICAL,
              f"each fill's price lies in its venue x symbol minute bar's [low, high] "
              f"+/- {tol:.2%} (a fill without a bar fails too)",
              # Bars: the published trade bars (simulated, or a venue's own klines). Only the
              # simulator's fills (liquidation_id < 1e12) are held to them: venue feeds report
              # bankruptcy or order prices, which may lie outside the traded range (issue 6).
              f"select l.liquidation_id, l.venue, l.symbol, l.liquidated_at, l.price, "
              f"b.low_price, b.high_price from {t} as l "
              f"left join marts.fct_price_bars as b on b.venue = l.venue "
              f"and b.symbol = l.symbol and b.bar_opened_at = l.liquidated_minute_at "
              f"where l.liquidation_id < 1000000000000 and (b.venue is null "
              f"or l.price < b.low_price * (1 - {tol}) or l.price > b.high_price * (1 + {tol}))"),
    ]


VENUE_FILE_INPUTS = "staging.stg_venue_files__inputs"


def _venue_file_checks(fmt: str, settings: dict) -> list[Check]:
    """Venue files of one format (var venue_files), per matched file
    (staging.stg_venue_files__inputs), against gate_max_quarantine_rate, the simulator tables'
    setting: a file whose records are ALL quarantined (it adds nothing to the marts) is CRITICAL
    unless the setting allows a rate of 1; a file above the setting but with loaded records is a
    WARNING (real captures hold subscription replies, repeated pushes, records outside the event
    window: a critical check at the default 0 would refuse every real capture, and the README's
    worked example). Examples name the file, its counts, main reason and what to do."""
    rate = float(settings["gate_max_quarantine_rate"])
    key = fmt.replace("-", "_")
    columns = ("source_file, record_count, loaded_count, quarantined_count, "
               "round(quarantine_rate, 4) as quarantine_rate, main_quarantine_reason, "
               "main_quarantine_hint")
    where = f"source_format = '{fmt}' and quarantine_rate > {rate}"
    return [
        Check(f"venue_{key}_file_not_all_quarantined", CRITICAL,
              f"no {fmt} venue file has every record quarantined (it would publish silently "
              f"with nothing of it in the marts); allowed only when gate_max_quarantine_rate is 1",
              f"select {columns} from {VENUE_FILE_INPUTS} where {where} "
              f"and loaded_count = 0 order by source_file"),
        Check(f"quarantine_rate_venue_{key}", WARNING,
              f"share of each {fmt} venue file's records quarantined at most "
              f"gate_max_quarantine_rate (raise it for a known-dirty capture)",
              f"select {columns} from {VENUE_FILE_INPUTS} where {where} "
              f"order by quarantine_rate desc, source_file",
              max_value=rate,
              measure_sql=(f"select coalesce(max(quarantine_rate), 0) from {VENUE_FILE_INPUTS} "
                           f"where source_format = '{fmt}'")),
    ]


def venue_files_suite(s: dict) -> list[Check]:
    """One quarantine-rate expectation per venue-file format (house_edge.venue_files.FORMATS);
    a format with no configured file measures 0."""
    from house_edge.venue_files import FORMATS

    return [c for fmt in FORMATS for c in _venue_file_checks(fmt, s)]


def marts_suite(s: dict) -> list[Check]:
    return [
        Check("every_venue_has_liquidations", CRITICAL,
              "every venue of reference.exchanges is in marts.dim_exchanges with "
              "liquidation_count > 0",
              "select r.exchange_id, d.liquidation_count from reference.exchanges as r "
              "left join marts.dim_exchanges as d using (exchange_id) "
              "where coalesce(d.liquidation_count, 0) <= 0"),
        *[_row_check(f"{name}_ratios_in_unit_interval", CRITICAL,
                     "public_feed_coverage_rate and long_share in [0, 1]", f"marts.{name}",
                     "not (public_feed_coverage_rate between 0 and 1 "
                     "and long_share between 0 and 1)")
          for name in ("dim_exchanges", "dim_symbols")],
        *[_row_check(f"{name}_amounts_non_negative", CRITICAL,
                     "liquidated and public-feed notional >= 0", f"marts.{name}",
                     "not (liquidated_notional_usd >= 0 and public_feed_notional_usd >= 0)")
          for name in ("dim_exchanges", "dim_symbols")],
    ]


def waves_suite(s: dict) -> list[Check]:
    t = "marts.fct_cascade_waves"
    return [
        Check("waves_do_not_overlap", CRITICAL,
              "waves of the same scope (market or a venue) do not overlap: each starts at or "
              "after the previous one's (exclusive) ended_at",
              f"select * from (select scope, lag(wave_id) over w as previous_wave_id, "
              f"lag(ended_at) over w as previous_ended_at, wave_id, started_at, ended_at "
              f"from {t} window w as (partition by scope order by started_at, ended_at)) "
              f"where started_at < previous_ended_at order by scope, started_at"),
        _row_check("wave_notional_non_negative", CRITICAL, "notional_usd >= 0", t,
                   "notional_usd < 0", "notional_usd"),
        _row_check("wave_long_share_in_unit_interval", CRITICAL, "long_share in [0, 1]", t,
                   "not (long_share between 0 and 1)"),
        Check("market_wave_notional_at_most_total", CRITICAL,
              "every market-wide wave's notional_usd <= the total liquidated notional of "
              "marts.fct_liquidations",
              f"select w.wave_id, w.notional_usd, l.total_notional_usd from {t} as w "
              f"cross join (select sum(notional_usd) as total_notional_usd "
              f"from marts.fct_liquidations) as l where w.scope = 'market' "
              f"and coalesce(w.notional_usd > l.total_notional_usd "
              f"* (1 + 1e-9), true) order by w.notional_usd desc"),
    ]


def revenue_suite(s: dict) -> list[Check]:
    """The three ledgers (fee income, fund flows, relief) as published: values a BI user would
    misread if they were off. How the ledgers add up is proven by dbt's tests/revenue."""
    fee, relief = "marts.fct_exchange_fee_income", "marts.fct_relief_to_fee_income"
    programs = "marts.fct_relief_programs"
    return [
        _row_check("fee_income_non_negative", CRITICAL,
                   "an exchange's fee income is never negative (fund flows and relief are "
                   "other ledgers)", fee, "fee_income_usd < 0", "fee_income_usd"),
        _row_check("relief_ratios_non_negative", CRITICAL,
                   "relief_to_fee_income_ratio >= 0 where not null", relief,
                   "coalesce(relief_to_fee_income_ratio < 0, false)"),
        _row_check("economic_cost_at_most_face_value", CRITICAL,
                   "a relief program's economic_cost_usd <= its face_value_usd (where both "
                   "are published)", programs,
                   "coalesce(economic_cost_usd > face_value_usd * (1 + 1e-9), false)"),
        Check("every_venue_has_fee_income", CRITICAL,
              f"every venue of marts.dim_exchanges has rows in {fee}",
              f"select d.exchange_id from marts.dim_exchanges as d where not exists "
              f"(select 1 from {fee} as f where f.venue = d.exchange_id)"),
    ]


def positions_marts_suite(s: dict) -> list[Check]:
    return [
        _row_check("prediction_rates_in_unit_interval", CRITICAL,
                   "precision_rate and recall_rate in [0, 1]",
                   "marts.fct_liquidation_prediction_scores",
                   "not (precision_rate between 0 and 1 and recall_rate between 0 and 1)"),
    ]


# One function per suite; a later mart adds one entry.
SUITES: dict[str, Callable[[dict], list[Check]]] = {
    "raw_prices": price_bars_suite,
    "positions": positions_suite,
    "liquidations": liquidations_suite,
    "venue_files": venue_files_suite,
    "marts": marts_suite,
    "waves": waves_suite,
    "revenue": revenue_suite,
    "positions_marts": positions_marts_suite,
}


# ------------------------------------------------------------------------------------ settings

def load_settings(project_dir: Path | None = None,
                  overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then ``vars:`` of dbt_project.yml, then the build's --vars."""
    settings = dict(DEFAULT_SETTINGS)
    if project_dir and (project_dir / "dbt_project.yml").exists():
        import yaml

        doc = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
        settings.update({k: v for k, v in (doc.get("vars") or {}).items()
                         if k in DEFAULT_SETTINGS})
    settings.update({k: v for k, v in (overrides or {}).items() if k in DEFAULT_SETTINGS})
    return settings


# ----------------------------------------------------------------------------------- execution

def _measure(con: duckdb.DuckDBPyConnection, suite: str,
             checks: list[Check]) -> tuple[dict[str, float], dict[str, list[dict]]]:
    measures: dict[str, float] = {}
    examples: dict[str, list[dict]] = {}
    for check in checks:
        value = con.execute(check.measure_query()).fetchone()[0]
        measures[check.name] = float(value or 0)
        if not (check.min_value <= measures[check.name] <= check.max_value):
            cur = con.execute(f"select * from ({check.violations_sql}) limit {EXAMPLE_ROWS}")
            cols = [d[0] for d in cur.description]
            examples[check.name] = [dict(zip(cols, row, strict=True))
                                    for row in cur.fetchall()]
    return measures, examples


def _gx_validate(measured: dict[str, tuple[list[Check], dict[str, float]]], work_dir: Path,
                 docs_dir: Path | None) -> tuple[dict[tuple[str, str], bool], str | None]:
    """Validate the per-suite measures with GX (pandas datasource, ephemeral context) and
    build the Data Docs site. Returns success per (suite, check) and the index.html path."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    import great_expectations.expectations as gxe
    import pandas as pd
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # quiet in builds
    site_name = "house_edge"
    if docs_dir is not None:
        for name in list(context.get_site_names()):
            context.delete_data_docs_site(name)  # the default site writes to a temp dir
        context.add_data_docs_site(site_name=site_name, site_config={
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
    datasource = context.data_sources.add_pandas("house_edge_gate")
    outcome: dict[tuple[str, str], bool] = {}
    for suite_name, (checks, measures) in measured.items():
        asset = datasource.add_dataframe_asset(f"{suite_name}_measures")
        batch_def = asset.add_batch_definition_whole_dataframe(suite_name)
        suite = context.suites.add(gx.ExpectationSuite(
            name=f"house_edge.{suite_name}",
            meta={"notes": "generated by house_edge.validate; each column is one check's "
                           "measure computed in DuckDB on the built file"}))
        for check in checks:
            suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
                column=check.name, min_value=check.min_value, max_value=check.max_value,
                severity=check.severity, notes=f"[{check.severity}] {check.description}",
                meta={"severity": check.severity, "description": check.description,
                      "violations_sql": check.violations_sql}))
        vdef = context.validation_definitions.add(gx.ValidationDefinition(
            name=f"house_edge.{suite_name}", data=batch_def, suite=suite))
        frame = pd.DataFrame([{c.name: measures[c.name] for c in checks}])
        result = vdef.run(batch_parameters={"dataframe": frame},
                          result_format={"result_format": "SUMMARY"})
        for res in result.results:
            outcome[(suite_name, res.expectation_config.kwargs["column"])] = bool(res.success)
    index = None
    if docs_dir is not None:
        context.build_data_docs(site_names=[site_name])
        index = str(docs_dir / "index.html")
    return outcome, index


def validate(db_path: Path, work_dir: Path, settings: dict[str, Any] | None = None,
             docs_dir: Path | None = None,
             suites: dict[str, Callable[[dict], list[Check]]] | None = None
             ) -> ValidationSummary:
    """Run every suite on ``db_path`` (opened read-only) and write ``work_dir/summary.json``;
    with ``docs_dir``, also a GX Data Docs site there."""
    t0 = time.perf_counter()
    settings = settings or dict(DEFAULT_SETTINGS)
    work_dir.mkdir(parents=True, exist_ok=True)
    measured: dict[str, tuple[list[Check], dict[str, float]]] = {}
    all_examples: dict[tuple[str, str], list[dict]] = {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        for suite_name, build_suite in (suites or SUITES).items():
            checks = build_suite(settings)
            measures, examples = _measure(con, suite_name, checks)
            measured[suite_name] = (checks, measures)
            all_examples.update({(suite_name, k): v for k, v in examples.items()})
    duckdb_seconds = time.perf_counter() - t0
    if docs_dir is not None:
        shutil.rmtree(docs_dir, ignore_errors=True)
    outcome, index = _gx_validate(measured, work_dir, docs_dir)
    results = []
    for suite_name, (checks, measures) in measured.items():
        for c in checks:
            results.append(CheckResult(
                name=c.name, suite=suite_name, severity=c.severity,
                description=c.description, success=outcome[(suite_name, c.name)],
                observed=measures[c.name], min_value=c.min_value, max_value=c.max_value,
                examples=all_examples.get((suite_name, c.name), [])))
    summary = ValidationSummary(database=str(db_path), seconds=time.perf_counter() - t0,
                                results=results, data_docs_index=index,
                                duckdb_seconds=duckdb_seconds)
    (work_dir / "summary.json").write_text(summary.to_json())
    return summary


def main(argv: list[str] | None = None) -> None:
    """python -m house_edge.validate FILE: validate a built warehouse (read-only) and report
    time and peak memory; no Data Docs unless --docs DIR."""
    import argparse
    import resource

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("database", type=Path)
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--docs", type=Path, default=None)
    args = parser.parse_args(argv)
    work = args.work_dir or args.database.parent / "validation"
    summary = validate(args.database, work, load_settings(Path.cwd()), docs_dir=args.docs)
    for r in summary.critical_failures + summary.warnings:
        print(describe(r))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"validated {args.database}: {len(summary.results)} checks, "
          f"{len(summary.critical_failures)} critical failures, {len(summary.warnings)} warnings"
          f" in {summary.seconds:.2f} s ({summary.duckdb_seconds:.2f} s in DuckDB), "
          f"peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
