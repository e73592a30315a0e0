"""The publish gate: Great Expectations suites run on the BUILT private file before it is published.

One quality layer: what a dbt test proves (keys, uniqueness, accepted values, not-null, waves that
do not overlap, scope totals, prediction rates in [0, 1]) lives in dbt (``models/**/*.yml``,
``tests/``) and runs in ``dbt build`` before this gate; it is not restated here. The gate holds
what dbt does not: the quarantine rate of every source, raw inputs' distributions (prices,
OHLC consistency, leverage, margin rates, the event window), cross-venue and cross-table
consistency (closes across venues, fills inside their minute bar) and mart-level value ranges.
Each is a native GX expectation (``ExpectColumnValuesToBeBetween``,
``ExpectColumnPairValuesAToBeGreaterThanB``, ``ExpectColumnValuesToBeNull`` with ``mostly`` for a
rate, ...) run by GX itself over a named data asset of the built file (a table, or a query asset
where a check spans tables); ``UnexpectedRowsExpectation`` only where nothing native fits (window
functions, joins, aggregates across venues).

GX reads the file through its SQL datasource (duckdb-engine, read-only). As shipped that path is
broken on DuckDB (every metric fails with "list index out of range": GX fetches rows after
closing the connection, whose rollback drops DuckDB's pending result; upstream #10738, #11579):
``_gx_duckdb_persisted_connection`` puts DuckDB among the dialects GX keeps one connection open
for (as it does for SQLite), which fixes it. That connection outlives every close GX offers, so
GX runs in a child process (the caller reopens the file read-write to publish it). The scans
stay in DuckDB; no table is copied into Python. Data Docs are then made self-contained
(``house_edge.data_docs``: no CDN). Cost, measured on the default sample on 2 busy cores (load
7-9), the same file alternately: 10.8-11.2 s of gate wall time with the former SQL-strings path,
14.7-17.7 s with this one (GX resolves ~240 small metric queries for 61 expectations; the
import and the Data Docs cost the same as before). Not yet measured at scale 1.

Each suite is one function returning its checks; add a suite by writing one more ``*_suite``
function and listing it in ``SUITES``. Each check is tagged ``critical`` (blocks publishing) or
``warning`` (published, printed and recorded), both as the GX expectation's ``severity`` and in
its ``meta``. A check's ``observed`` value is its number of offending rows, or, for a quarantine
rate, the quarantined share.

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

import contextlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from house_edge import config

CRITICAL = "critical"
WARNING = "warning"
EXAMPLE_ROWS = 5

# Defaults of the gate's settings; each may be overridden as a dbt var of the same name.
DEFAULT_SETTINGS: dict[str, Any] = {
    "event_window_start": config.EVENT_WINDOW_START,
    "event_window_end": config.EVENT_WINDOW_END,
    # Largest share of raw rows staging may quarantine per table before the build is refused.
    "gate_max_quarantine_rate": 0.0,
    # A fill may lie outside its minute bar's [low, high] by this fraction of the price.
    "gate_fill_price_tolerance_rate": 0.001,
    # Same symbol, same minute: (max close - min close) / min close across venues above this
    # is flagged (glitch prints, depegs). A warning: it happened for real on 10 Oct.
    "gate_cross_venue_divergence_rate": 0.05,
    "gate_max_leverage": 125.0,
}

# Columns that name a row of each table in a failed expectation's examples.
ASSET_KEYS: dict[str, list[str]] = {
    "staging.stg_simulator__price_bars": ["venue", "symbol", "bar_opened_at"],
    "staging.stg_simulator__positions": ["position_id", "venue", "symbol"],
    "marts.fct_liquidations": ["liquidation_id", "venue", "symbol", "liquidated_at"],
    "marts.dim_exchanges": ["exchange_id"],
    "marts.dim_symbols": ["symbol"],
    "marts.fct_cascade_waves": ["wave_id", "scope"],
    "marts.fct_exchange_fee_income": ["venue", "basis", "scenario", "component"],
    "marts.fct_relief_to_fee_income": ["venue", "program_name", "basis", "scenario"],
    "marts.fct_relief_programs": ["relief_program_id", "scenario"],
    "staging.stg_venue_files__inputs": ["source_file", "record_count", "loaded_count",
                                        "quarantined_count", "quarantine_rate",
                                        "main_quarantine_reason", "main_quarantine_hint"],
}


@dataclass(frozen=True)
class Check:
    """One GX expectation over one data asset. ``expectation`` names a class of
    ``great_expectations.expectations`` and ``kwargs`` its arguments; ``asset`` is a table
    (``schema.table``) or, with ``query``, the name of a query asset. ``min_value`` /
    ``max_value`` state what is allowed of the observed value (offending rows, or a rate)."""

    name: str
    severity: str
    description: str
    asset: str
    expectation: str
    kwargs: dict[str, Any]
    query: str | None = None
    max_value: float = 0.0
    min_value: float = 0.0
    is_rate: bool = False


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

def _between(name: str, severity: str, description: str, table: str, column: str,
             **bounds: Any) -> Check:
    """Values of ``column`` within bounds (GX ignores nulls: not-null is dbt's test)."""
    return Check(name, severity, description, table, "ExpectColumnValuesToBeBetween",
                 {"column": column, **bounds})


def _not_null(name: str, description: str, table: str, column: str) -> Check:
    return Check(name, CRITICAL, description, table, "ExpectColumnValuesToNotBeNull",
                 {"column": column})


def _a_at_least_b(name: str, description: str, table: str, a: str, b: str) -> Check:
    return Check(name, CRITICAL, description, table, "ExpectColumnPairValuesAToBeGreaterThanB",
                 {"column_A": a, "column_B": b, "or_equal": True,
                  "ignore_row_if": "either_value_is_missing"})


def _unexpected_rows(name: str, severity: str, description: str, table: str,
                     query: str) -> Check:
    """Where nothing native fits: ``query`` selects the offending rows ({batch} is the table)."""
    return Check(name, severity, description, table, "UnexpectedRowsExpectation",
                 {"unexpected_rows_query": query})


def _quarantine_check(table: str, clean: str, quarantine: str, settings: dict) -> Check:
    """The quarantined share of a raw table's rows, as GX's ``mostly``: every raw row (loaded
    or quarantined) with its quarantine_reason, null when loaded."""
    rate = float(settings["gate_max_quarantine_rate"])
    return Check(
        f"quarantine_rate_{table}", CRITICAL,
        f"share of raw {table} rows quarantined by staging (bad rows never reach the marts; "
        f"a corrupted input must not publish silently) at most gate_max_quarantine_rate",
        f"raw {table} rows (loaded or quarantined)", "ExpectColumnValuesToBeNull",
        {"column": "quarantine_reason", "mostly": 1.0 - rate},
        query=(f"select quarantine_reason from {quarantine} "
               f"union all select null as quarantine_reason from {clean}"),
        max_value=rate, is_rate=True)


def price_bars_suite(s: dict) -> list[Check]:
    t = "staging.stg_simulator__price_bars"
    div = float(s["gate_cross_venue_divergence_rate"])
    return [
        _quarantine_check("price_bars", t, "staging.stg_simulator__price_bars_quarantine", s),
        *[_between(f"{col}_price_positive", CRITICAL, f"{col} price > 0", t, f"{col}_price",
                   min_value=0, strict_min=True)
          for col in ("open", "high", "low", "close")],
        *[_a_at_least_b(f"high_at_least_{col}", f"high >= {col}", t, "high_price",
                        f"{col}_price") for col in ("open", "close")],
        *[_a_at_least_b(f"low_at_most_{col}", f"low <= {col}", t, f"{col}_price",
                        "low_price") for col in ("open", "close")],
        _unexpected_rows("no_minute_gaps", WARNING,
                         "consecutive bars of a venue x symbol are one minute apart", t,
                         "select * from (select venue, symbol, lag(bar_opened_at) over w as "
                         "previous_bar_at, bar_opened_at from {batch} window w as (partition by "
                         "venue, symbol order by bar_opened_at)) where bar_opened_at - "
                         "previous_bar_at > interval 1 minute "
                         "order by bar_opened_at - previous_bar_at desc"),
        _unexpected_rows("cross_venue_close_divergence", WARNING,
                         f"same symbol, same minute: venues' closes within {div:.0%} of each "
                         f"other (glitch prints, depegs)", t,
                         f"select symbol, bar_opened_at, min(close_price) as min_close, "
                         f"max(close_price) as max_close, arg_min(venue, close_price) as "
                         f"low_venue, arg_max(venue, close_price) as high_venue, "
                         f"round(max(close_price) / min(close_price) - 1, 4) as divergence_rate "
                         f"from {{batch}} group by symbol, bar_opened_at having count(*) > 1 "
                         f"and max(close_price) / min(close_price) - 1 > {div} "
                         f"order by divergence_rate desc"),
    ]


def positions_suite(s: dict) -> list[Check]:
    t = "staging.stg_simulator__positions"
    lev = float(s["gate_max_leverage"])
    return [
        _quarantine_check("positions", t, "staging.stg_simulator__positions_quarantine", s),
        _between("leverage_between_1_and_venue_cap", CRITICAL, f"1 <= leverage <= {lev:g}", t,
                 "leverage", min_value=1, max_value=lev),
        _between("maintenance_margin_rate_in_range", CRITICAL,
                 "0 < maintenance_margin_rate < 0.5", t, "maintenance_margin_rate",
                 min_value=0, max_value=0.5, strict_min=True, strict_max=True),
    ]


# The simulator's fills among fct_liquidations' (the mart does not say where a fill comes from).
SIMULATED_FILLS = "intermediate.int_liquidations_unioned where record_source = 'simulator'"


def liquidations_suite(s: dict) -> list[Check]:
    t = "marts.fct_liquidations"
    tol = float(s["gate_fill_price_tolerance_rate"])
    start, end = s["event_window_start"], s["event_window_end"]
    return [
        _quarantine_check("liquidations", "staging.stg_simulator__liquidations",
                          "staging.stg_simulator__liquidations_quarantine", s),
        *[_between(f"{col}_positive", CRITICAL, f"{col} > 0", t, col, min_value=0,
                   strict_min=True) for col in ("quantity", "price")],
        _between("liquidated_inside_event_window", CRITICAL,
                 f"liquidated_at in [{start}, {end})", t, "liquidated_at",
                 min_value=str(start), max_value=str(end), strict_max=True),
        # Bars: the published trade bars (simulated, or a venue's own klines). Only the
        # simulator's fills (record_source 'simulator', carried from staging into
        # int_liquidations_unioned) are held to them: venue feeds report bankruptcy or order
        # prices, which may lie outside the traded range (issue 6).
        _unexpected_rows("fill_price_within_minute_bar", CRITICAL,
                         f"each fill's price lies in its venue x symbol minute bar's [low, high] "
                         f"+/- {tol:.2%} (a fill without a bar fails too)", t,
                         f"select l.liquidation_id, l.venue, l.symbol, l.liquidated_at, l.price, "
                         f"b.low_price, b.high_price from (select * from {{batch}}) as l "
                         f"left join marts.fct_price_bars as b on b.venue = l.venue "
                         f"and b.symbol = l.symbol and b.bar_opened_at = l.liquidated_minute_at "
                         f"where l.liquidation_id in (select liquidation_id from "
                         f"{SIMULATED_FILLS}) and (b.venue is null "
                         f"or l.price < b.low_price * (1 - {tol}) "
                         f"or l.price > b.high_price * (1 + {tol}))"),
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
    # one condition: joined to a second by `and`, GX 1.24 still flagged rows the second excluded
    of_format = f'col("source_format")=="{fmt}"'
    return [
        _between(f"venue_{key}_file_not_all_quarantined", CRITICAL,
                 f"no {fmt} venue file has every record quarantined (it would publish silently "
                 f"with nothing of it in the marts); allowed only when gate_max_quarantine_rate "
                 f"is 1", VENUE_FILE_INPUTS, "loaded_count", min_value=1 if rate < 1 else 0,
                 row_condition=of_format, condition_parser="great_expectations"),
        _between(f"quarantine_rate_venue_{key}", WARNING,
                 f"share of each {fmt} venue file's records quarantined at most "
                 f"gate_max_quarantine_rate ({rate:g}; raise it for a known-dirty capture)",
                 VENUE_FILE_INPUTS, "quarantine_rate", max_value=rate,
                 row_condition=of_format, condition_parser="great_expectations"),
    ]


def venue_files_suite(s: dict) -> list[Check]:
    """Two quarantine expectations per venue-file format (house_edge.venue_files.formats());
    a format with no configured file has no rows, so it passes."""
    from house_edge.venue_files import formats

    return [c for fmt in formats() for c in _venue_file_checks(fmt, s)]


def marts_suite(s: dict) -> list[Check]:
    # dim_exchanges has one row per venue of reference.exchanges (the seed, left-joined to the
    # fills), so "every venue has liquidations" is a range on its liquidation_count.
    checks = [_between("every_venue_has_liquidations", CRITICAL,
                       "every venue of reference.exchanges has liquidation_count >= 1 in "
                       "marts.dim_exchanges", "marts.dim_exchanges", "liquidation_count",
                       min_value=1)]
    for name in ("dim_exchanges", "dim_symbols"):
        table = f"marts.{name}"
        for col in ("public_feed_coverage_rate", "long_share"):
            checks += [_between(f"{name}_{col}_in_unit_interval", CRITICAL, f"{col} in [0, 1]",
                                table, col, min_value=0, max_value=1),
                       _not_null(f"{name}_{col}_not_null", f"{col} is defined", table, col)]
        checks += [_between(f"{name}_{col}_non_negative", CRITICAL, f"{col} >= 0", table, col,
                            min_value=0)
                   for col in ("liquidated_notional_usd", "public_feed_notional_usd")]
    return checks


def waves_suite(s: dict) -> list[Check]:
    t = "marts.fct_cascade_waves"
    return [
        _between("wave_notional_non_negative", CRITICAL, "notional_usd >= 0", t,
                 "notional_usd", min_value=0),
        _between("wave_long_share_in_unit_interval", CRITICAL, "long_share in [0, 1]", t,
                 "long_share", min_value=0, max_value=1),
        _not_null("wave_long_share_not_null", "long_share is defined", t, "long_share"),
    ]


def revenue_suite(s: dict) -> list[Check]:
    """The three ledgers (fee income, fund flows, relief) as published: values a BI user would
    misread if they were off. How the ledgers add up is proven by dbt's tests/revenue."""
    fee, relief = "marts.fct_exchange_fee_income", "marts.fct_relief_to_fee_income"
    return [
        _between("fee_income_non_negative", CRITICAL,
                 "an exchange's fee income is never negative (fund flows and relief are "
                 "other ledgers)", fee, "fee_income_usd", min_value=0),
        _between("relief_ratios_non_negative", CRITICAL,
                 "relief_to_fee_income_ratio >= 0 where not null", relief,
                 "relief_to_fee_income_ratio", min_value=0),
        _a_at_least_b("economic_cost_at_most_face_value",
                      "a relief program's economic_cost_usd <= its face_value_usd (where both "
                      "are published)", "marts.fct_relief_programs", "face_value_usd",
                      "economic_cost_usd"),
        _unexpected_rows("every_venue_has_fee_income", CRITICAL,
                         f"every venue of marts.dim_exchanges has rows in {fee}",
                         "marts.dim_exchanges",
                         f"select d.exchange_id from (select * from {{batch}}) as d "
                         f"where not exists (select 1 from {fee} as f "
                         f"where f.venue = d.exchange_id)"),
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
}


# ------------------------------------------------------------------------------------ settings

def load_settings(project_dir: Path | None = None,
                  overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then ``vars:`` of dbt_project.yml, then the build's --vars."""
    resolved = config.project_vars(project_dir, overrides)
    return {**DEFAULT_SETTINGS,
            **{k: v for k, v in resolved.items() if k in DEFAULT_SETTINGS}}


# ----------------------------------------------------------------------------------- execution

class _DialectName(str):
    """A dialect name as GX's persisted-connection list holds them (an enum with ``.value``)."""

    @property
    def value(self) -> str:
        return str(self)


def _gx_duckdb_persisted_connection() -> None:
    """Make GX keep one connection open for DuckDB (see the module docstring): without it every
    metric on the SQL datasource fails with ``list index out of range``."""
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine

    if "duckdb" not in [str(d.value) for d in engine._PERSISTED_CONNECTION_DIALECTS]:
        engine._PERSISTED_CONNECTION_DIALECTS = (*engine._PERSISTED_CONNECTION_DIALECTS,
                                                 _DialectName("duckdb"))


def _context(docs_dir: Path | None):
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    _gx_duckdb_persisted_connection()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # quiet in builds
    if docs_dir is not None:
        for name in list(context.get_site_names()):
            context.delete_data_docs_site(name)  # the default site writes to a temp dir
        context.add_data_docs_site(site_name=DOCS_SITE, site_config={
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
    return context


DOCS_SITE = "house_edge"


def _observed(check: Check, result: dict) -> float:
    if check.expectation == "UnexpectedRowsExpectation":
        return float(result.get("observed_value") or 0)
    if check.is_rate:
        return float(result.get("unexpected_percent") or 0) / 100
    return float(result.get("unexpected_count") or 0)


def _examples(query_rows: Callable[[str], list[dict]], check: Check, result: dict
              ) -> list[dict]:
    """A few offending rows: GX's own for column expectations (keyed by ASSET_KEYS), the
    query's first rows for UnexpectedRowsExpectation, the reasons for a quarantine rate."""
    if check.is_rate:
        return [{"quarantine_reason": c["value"], "rows": c["count"]}
                for c in result.get("partial_unexpected_counts") or []][:EXAMPLE_ROWS]
    if check.expectation == "UnexpectedRowsExpectation":
        query = check.kwargs["unexpected_rows_query"].replace("{batch}", check.asset)
        return query_rows(f"select * from ({query}) limit {EXAMPLE_ROWS}")
    rows = result.get("partial_unexpected_index_list") or []
    if rows and isinstance(rows[0], dict):
        return rows[:EXAMPLE_ROWS]
    return [{"value": v} for v in (result.get("partial_unexpected_list") or [])][:EXAMPLE_ROWS]


def _exception(info: dict) -> str | None:
    """GX's message when an expectation could not be computed (it is then 'unsuccessful', which
    must not read as a data failure); GX nests it by metric for some expectations."""
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    nested = [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
    return str(nested[0].get("exception_message")) if nested else None


Outcome = dict[tuple[str, str], tuple[bool, dict, list[dict]]]


_PRESTARTED: list[Any] = []  # the gate process started ahead (gate_started_early)


def _gate_process() -> Any:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))


def _import_gate_libraries() -> None:
    """Runs in the gate process: the imports _gx_validate needs (~3.5 s on 2 cores)."""
    import sys

    # GX probes pyspark.sql.connect when pyspark is installed (the `spark` extra); without Spark
    # Connect's gRPC packages that module calls sys.exit(0) on import. The gate reads DuckDB
    # over SQL and never needs Spark Connect: in this (spawned) process its import fails as an
    # ImportError, which GX handles.
    sys.modules.setdefault("pyspark.sql.connect", None)
    import great_expectations  # noqa: F401
    import great_expectations.expectations  # noqa: F401


# In the gate process: the GX context and suites _prepare_gate made while dbt built, keyed by
# the suites and docs dir they were made for; _gx_validate takes them when its own match.
_PREPARED: dict[str, Any] = {}


def _prepare_gate(project_dir: Path, variables: dict[str, Any] | None,
                  docs_dir: Path | None) -> None:
    """Runs in the gate process while dbt builds: the work that reads no data (the imports, the
    GX context, every suite of the build's settings and its expectations), kept for
    _gx_validate. An error here is left for validate() to meet and report."""
    _import_gate_libraries()
    suites = _build_suites(load_settings(project_dir, variables), None)
    context = _context(docs_dir)
    _PREPARED.clear()
    _PREPARED.update(key=(suites, docs_dir), context=context,
                     gx_suites=_gx_suites(context, suites))


@contextlib.contextmanager
def gate_started_early(project_dir: Path | None = None, variables: dict[str, Any] | None = None,
                       docs_dir: Path | None = None) -> Iterator[None]:
    """Start the gate's process on entering, while dbt builds (the publish and the scheduled
    job): it imports Great Expectations and, given the project (and the build's vars and
    ``docs_dir``), makes the GX context and suites (_prepare_gate). validate() inside the block
    uses that process, and what it prepared when its suites are the same. On leaving, a process
    validate() did not use (the build failed first) is stopped."""
    pool = _gate_process()
    if project_dir is None:
        pool.submit(_import_gate_libraries)
    else:
        pool.submit(_prepare_gate, project_dir, variables, docs_dir)
    _PRESTARTED.append(pool)
    try:
        yield
    finally:
        if pool in _PRESTARTED:
            _PRESTARTED.remove(pool)
            pool.shutdown(wait=False, cancel_futures=True)


def _gx_validate_in_child(db_path: Path, suites: dict[str, list[Check]],
                          docs_dir: Path | None) -> tuple[Outcome, str | None]:
    """``_gx_validate`` in a child process: duckdb-engine's connection to the file outlives
    every close GX and SQLAlchemy offer, and the caller reopens the file (read-write, to
    publish it) in this process, which DuckDB refuses while another configuration holds it.
    The process is the one gate_started_early() started, if any."""
    with (_PRESTARTED.pop() if _PRESTARTED else _gate_process()) as pool:
        try:
            return pool.submit(_gx_validate_then_freeze, db_path, suites, docs_dir).result()
        except SystemExit as exc:  # a library exiting must fail the gate, never end the build
            raise RuntimeError(
                f"the publish gate's Great Expectations process exited (code {exc.code!r}) "
                "before validating: nothing was published") from exc


def _gx_suites(context: Any, suites: dict[str, list[Check]]
               ) -> list[tuple[str, str, list[Check], Any]]:
    """One GX suite per suite x data asset, with its expectations, added to ``context``:
    (suite, asset, its checks, the GX suite), in validation order. Reads no data."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    out = []
    for suite_name, checks in suites.items():
        by_asset: dict[str, list[Check]] = {}
        for check in checks:
            by_asset.setdefault(check.asset, []).append(check)
        for asset_name, asset_checks in by_asset.items():
            name = (f"house_edge.{suite_name}" if len(by_asset) == 1
                    else f"house_edge.{suite_name}.{asset_name}")
            suite = context.suites.add(gx.ExpectationSuite(name=name, meta={
                "notes": f"generated by house_edge.validate (suite {suite_name!r})"}))
            for check in asset_checks:
                suite.add_expectation(getattr(gxe, check.expectation)(
                    **check.kwargs, severity=check.severity,
                    notes=f"[{check.severity}] {check.name}: {check.description}",
                    meta={"check": check.name, "severity": check.severity,
                          "description": check.description}))
            out.append((suite_name, asset_name, asset_checks, suite))
    return out


def _gx_validate(db_path: Path, suites: dict[str, list[Check]], docs_dir: Path | None
                 ) -> tuple[Outcome, str | None]:
    """Run every suite with GX over the file's tables (SQL datasource, read-only) and build the
    Data Docs site. Returns (success, GX result, examples if failed) per (suite, check), and
    the site's index.html. Uses the context and suites _prepare_gate made for these suites,
    if any."""
    _import_gate_libraries()
    import great_expectations as gx
    import sqlalchemy as sa

    if _PREPARED.get("key") == (suites, docs_dir):
        context, gx_suites = _PREPARED["context"], _PREPARED["gx_suites"]
    else:
        context = _context(docs_dir)
        gx_suites = _gx_suites(context, suites)
    _PREPARED.clear()  # one validation per context
    datasource = context.data_sources.add_sql(
        "house_edge", connection_string=f"duckdb:///{db_path}",
        kwargs={"connect_args": {"read_only": True}})
    engine = datasource.get_execution_engine()

    def query_rows(sql: str) -> list[dict]:
        return [dict(row._mapping) for row in engine.execute_query(sa.text(sql)).fetchall()]

    assets: dict[str, Any] = {}
    outcome: Outcome = {}
    for suite_name, asset_name, asset_checks, suite in gx_suites:
        if asset_name not in assets:
            query = asset_checks[0].query
            if query:
                assets[asset_name] = datasource.add_query_asset(asset_name, query=query)
            else:
                schema, table = asset_name.split(".")
                assets[asset_name] = datasource.add_table_asset(
                    asset_name, table_name=table, schema_name=schema)
        asset = assets[asset_name]
        vdef = context.validation_definitions.add(gx.ValidationDefinition(
            name=suite.name, data=asset.add_batch_definition_whole_table(suite.name),
            suite=suite))
        keys = ASSET_KEYS.get(asset_name)
        result_format = {"result_format": "SUMMARY",
                         "partial_unexpected_count": EXAMPLE_ROWS}
        if keys:
            result_format["unexpected_index_column_names"] = keys
        result = vdef.run(result_format=result_format)
        by_name = {c.name: c for c in asset_checks}
        for res in result.results:
            check = by_name[res.expectation_config.meta["check"]]
            raised = _exception(res.exception_info)
            if raised:
                raise duckdb.Error(f"{suite_name}.{check.name} on {asset_name}: "
                                   f"{raised}")
            found = json.loads(json.dumps(res.result, default=str))
            outcome[(suite_name, check.name)] = (
                bool(res.success), found,
                [] if res.success else _examples(query_rows, check, found))
    index = None
    if docs_dir is not None:
        context.build_data_docs(site_names=[DOCS_SITE])
        from house_edge.data_docs import make_offline

        make_offline(docs_dir)
        index = str(docs_dir / "index.html")
    return outcome, index


def _gx_validate_then_freeze(db_path: Path, suites: dict[str, list[Check]],
                             docs_dir: Path | None) -> tuple[Outcome, str | None]:
    """``_gx_validate`` as the gate process's last task: that process ends next, and its
    interpreter's exit would first collect GX's objects (~0.55 s, the caller waiting); frozen,
    they are skipped."""
    import gc

    result = _gx_validate(db_path, suites, docs_dir)
    gc.freeze()
    return result


def _build_suites(settings: dict[str, Any],
                  suites: dict[str, Callable[[dict], list[Check]]] | None
                  ) -> dict[str, list[Check]]:
    return {name: build_suite(settings) for name, build_suite in (suites or SUITES).items()}


def validate(db_path: Path, work_dir: Path, settings: dict[str, Any] | None = None,
             docs_dir: Path | None = None,
             suites: dict[str, Callable[[dict], list[Check]]] | None = None
             ) -> ValidationSummary:
    """Run every suite on ``db_path`` (opened read-only) and write ``work_dir/summary.json``;
    with ``docs_dir``, also a GX Data Docs site there."""
    t0 = time.perf_counter()
    settings = settings or dict(DEFAULT_SETTINGS)
    work_dir.mkdir(parents=True, exist_ok=True)
    built = _build_suites(settings, suites)
    if docs_dir is not None:
        shutil.rmtree(docs_dir, ignore_errors=True)
    with duckdb.connect(str(db_path), read_only=True) as con:
        # a missing table is a duckdb.Error before GX starts (publish.run_gate reports it)
        for asset in {c.asset for checks in built.values() for c in checks if not c.query}:
            con.execute(f"select 1 from {asset} limit 0")
    t1 = time.perf_counter()
    outcome, index = _gx_validate_in_child(db_path, built, docs_dir)
    results = []
    for suite_name, checks in built.items():
        for c in checks:
            success, result, examples = outcome[(suite_name, c.name)]
            results.append(CheckResult(
                name=c.name, suite=suite_name, severity=c.severity,
                description=c.description, success=success,
                observed=_observed(c, result), min_value=c.min_value, max_value=c.max_value,
                examples=examples))
    summary = ValidationSummary(database=str(db_path), seconds=time.perf_counter() - t0,
                                results=results, data_docs_index=index,
                                duckdb_seconds=time.perf_counter() - t1)
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
    summary = validate(args.database, work, load_settings(config.project_root()),
                       docs_dir=args.docs)
    for r in summary.critical_failures + summary.warnings:
        print(describe(r))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"validated {args.database}: {len(summary.results)} checks, "
          f"{len(summary.critical_failures)} critical failures, {len(summary.warnings)} warnings"
          f" in {summary.seconds:.2f} s ({summary.duckdb_seconds:.2f} s in GX's process), "
          f"peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
