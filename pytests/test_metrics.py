"""Each MetricFlow metric (models/**/_*__semantic.yml) equals the mart's own figure.

Needs the `metrics` extra (dbt-metricflow; `pip install -c constraints.txt -e ".[metrics]"`):
skipped without it. The queries run through MetricFlow itself (pytests/mf_queries.py, one
subprocess, read-only through the profile as README "Metrics" shows) against the shared
published sample, with the semantic manifest the sample's build wrote to target/; the expected
figures are read from the marts with SQL.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pytests.conftest import ROOT

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("dbt_metricflow") is None,
    reason="the `metrics` extra (dbt-metricflow) is not installed: "
           "pip install -c constraints.txt -e '.[metrics]'")

# name -> MetricFlow query; each test below compares one result with the marts
QUERIES = {
    "venue": {"metrics": ["liquidated_notional_usd", "public_feed_notional_usd",
                          "liquidation_count", "public_feed_coverage_rate"],
              "group_by": ["venue"]},
    "symbol": {"metrics": ["liquidated_notional_usd", "public_feed_notional_usd"],
               "group_by": ["symbol"]},
    "minute": {"metrics": ["liquidated_notional_usd"],
               "group_by": ["metric_time__minute", "venue"]},
    "ledgers": {"metrics": ["fee_income_usd", "fund_net_flow_usd"],
                "group_by": ["venue", "ledger_basis", "ledger_scenario"]},
    "fee_components": {"metrics": ["fee_income_usd"],
                       "group_by": ["venue", "fee_income__basis", "fee_income__scenario",
                                    "fee_income__component"]},
    "pools_central": {"metrics": ["fund_net_flow_usd"],
                      "group_by": ["fund_flow__pool_id", "ledger_basis"],
                      "where": ["{{ Entity('ledger_scenario') }} = 'central'"]},
    "relief": {"metrics": ["relief_cost_usd", "relief_face_value_usd"],
               "group_by": ["venue", "relief_program__program_name",
                            "relief_program__relief_kind", "relief_program__scenario"]},
    "answer": {"metrics": ["relief_to_fee_income", "relief_answer_cost_usd",
                           "relief_answer_fee_income_usd"],
               "group_by": ["venue", "relief_answer__program_name", "relief_answer__basis",
                            "relief_answer__scenario"]},
    "waves": {"metrics": ["wave_notional_usd"], "group_by": ["wave__scope"]},
}


def _close(actual, expected) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    return actual == pytest.approx(float(expected), rel=1e-9, abs=1e-6)


@pytest.fixture(scope="module")
def metrics(published_sample, tmp_path_factory):
    """(MetricFlow results by query name, a read-only connection to the same warehouse)."""
    warehouse = published_sample
    # The semantic manifest comes from a parse of its own against this warehouse: the worker's
    # shared target directory is rewritten by every other test's dbt run (each with its own
    # warehouse file, whose name dbt-duckdb writes into the manifest as the catalog).
    target = tmp_path_factory.mktemp("metrics_target")
    env = dict(os.environ, HOUSE_EDGE_DUCKDB_PATH=str(warehouse), DBT_PROFILES_DIR=str(ROOT),
               HOUSE_EDGE_DUCKDB_ACCESS_MODE="read_only", DBT_TARGET_PATH=str(target))
    subprocess.run([str(Path(sys.executable).parent / "dbt"), "parse", "--project-dir", str(ROOT)],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    assert (target / "semantic_manifest.json").exists(), "dbt parse writes semantic_manifest.json"
    env["HOUSE_EDGE_SEMANTIC_MANIFEST"] = str(target / "semantic_manifest.json")
    proc = subprocess.run([sys.executable, str(ROOT / "pytests/mf_queries.py")],
                          input=json.dumps(list(QUERIES.values())), cwd=ROOT, env=env,
                          text=True, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = dict(zip(QUERIES, json.loads(proc.stdout), strict=True))
    con = duckdb.connect(str(warehouse), read_only=True)
    yield results, con
    con.close()


def _by(rows: list[dict], keys: list[str]) -> dict[tuple, dict]:
    return {tuple(r[k] for k in keys): r for r in rows}


def _mart(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _assert_equal(got: dict[tuple, dict], want: dict[tuple, dict], columns: dict[str, str]):
    """Same keys; each metric (columns: metric -> mart column) equal to the mart's figure."""
    assert set(got) == set(want)
    for key, row in want.items():
        for metric, column in columns.items():
            assert _close(got[key][metric], row[column]), (key, metric, got[key][metric],
                                                           row[column])


def test_liquidation_metrics_by_venue_equal_dim_exchanges(metrics):
    results, con = metrics
    want = _by(_mart(con, "select exchange_id as venue, * from marts.dim_exchanges "
                          "where liquidation_count > 0"), ["venue"])
    assert {"binance", "hyperliquid", "bybit", "okx"} <= {k[0] for k in want}
    _assert_equal(_by(results["venue"], ["venue"]), want, {
        "liquidated_notional_usd": "liquidated_notional_usd",
        "public_feed_notional_usd": "public_feed_notional_usd",
        "liquidation_count": "liquidation_count",
        "public_feed_coverage_rate": "public_feed_coverage_rate"})


def test_liquidation_metrics_by_symbol_equal_dim_symbols(metrics):
    results, con = metrics
    want = _by(_mart(con, "select * from marts.dim_symbols where liquidation_count > 0"),
               ["symbol"])
    _assert_equal(_by(results["symbol"], ["symbol"]), want, {
        "liquidated_notional_usd": "liquidated_notional_usd",
        "public_feed_notional_usd": "public_feed_notional_usd"})


def test_liquidated_notional_per_minute_equals_fct_market_minutes(metrics):
    results, con = metrics
    want = _by(_mart(con, """
        select strftime(minute_at, '%Y-%m-%dT%H:%M:%S') as minute, venue,
               sum(liquidated_notional_usd) as liquidated_notional_usd
        from marts.fct_market_minutes
        group by all having sum(liquidation_count) > 0"""), ["minute", "venue"])
    got = {(r["metric_time__minute"][:19], r["venue"]): r for r in results["minute"]}
    assert len(want) > 100
    _assert_equal(got, want, {"liquidated_notional_usd": "liquidated_notional_usd"})


def test_fee_income_and_fund_flow_by_venue_basis_scenario_equal_the_ledgers(metrics):
    results, con = metrics
    got = _by(results["ledgers"], ["venue", "ledger_basis", "ledger_scenario"])
    fees = _by(_mart(con, "select venue, basis, scenario, sum(fee_income_usd) as v "
                          "from marts.fct_exchange_fee_income group by all"),
               ["venue", "basis", "scenario"])
    funds = _by(_mart(con, "select venue, basis, scenario, sum(flow_usd) as v "
                           "from marts.fct_insurance_fund_flows group by all"),
                ["venue", "basis", "scenario"])
    assert set(got) == set(fees) | set(funds)
    for key in got:
        assert _close(got[key]["fee_income_usd"], fees.get(key, {}).get("v")), key
        assert _close(got[key]["fund_net_flow_usd"], funds.get(key, {}).get("v")), key
    # the headline's central fee income: $57.9M for Binance on the published basis
    assert got[("binance", "published_scaled", "central")]["fee_income_usd"] == pytest.approx(
        57.9e6, rel=0.001)


def test_fee_income_by_component_equals_each_mart_row(metrics):
    results, con = metrics
    keys = ["venue", "basis", "scenario", "component"]
    got = {tuple(r[k] for k in ["venue", "fee_income__basis", "fee_income__scenario",
                                "fee_income__component"]): r
           for r in results["fee_components"]}
    want = _by(_mart(con, "select * from marts.fct_exchange_fee_income"), keys)
    _assert_equal(got, want, {"fee_income_usd": "fee_income_usd"})


def test_central_fund_flow_per_pool_equals_the_reconciliation(metrics):
    results, con = metrics
    got = _by(results["pools_central"], ["fund_flow__pool_id", "ledger_basis"])
    want = _by(_mart(con, "select pool_id, basis, modelled_central_usd "
                          "from marts.fct_fund_flow_reconciliation"), ["pool_id", "basis"])
    _assert_equal(got, want, {"fund_net_flow_usd": "modelled_central_usd"})


def test_relief_cost_and_face_value_equal_fct_relief_programs(metrics):
    results, con = metrics
    got = {tuple(r[k] for k in ["venue", "relief_program__program_name",
                                "relief_program__relief_kind", "relief_program__scenario"]): r
           for r in results["relief"]}
    want = _by(_mart(con, """
        select venue, program_name, relief_kind, scenario, sum(face_value_usd) as face,
               sum(economic_cost_usd) as cost
        from marts.fct_relief_programs group by all"""),
        ["venue", "program_name", "relief_kind", "scenario"])
    _assert_equal(got, want, {"relief_cost_usd": "cost", "relief_face_value_usd": "face"})


def test_relief_to_fee_income_equals_the_answer_mart(metrics):
    results, con = metrics
    keys = ["venue", "program_name", "basis", "scenario"]
    got = {tuple(r[k] for k in ["venue", "relief_answer__program_name", "relief_answer__basis",
                                "relief_answer__scenario"]): r for r in results["answer"]}
    want = _by(_mart(con, "select * from marts.fct_relief_to_fee_income"), keys)
    _assert_equal(got, want, {"relief_to_fee_income": "relief_to_fee_income_ratio",
                              "relief_answer_cost_usd": "economic_cost_usd",
                              "relief_answer_fee_income_usd": "fee_income_usd"})
    # the answer itself: Binance's Together relief, published basis, central (headline: 5.1x)
    together = got[("binance", "Together Initiative", "published_scaled", "central")]
    assert together["relief_to_fee_income"] == pytest.approx(5.07, abs=0.01)


def test_wave_notional_by_scope_equals_fct_cascade_waves(metrics):
    results, con = metrics
    want = _by(_mart(con, "select scope, sum(notional_usd) as notional_usd "
                          "from marts.fct_cascade_waves group by all"), ["scope"])
    assert ("market",) in want
    _assert_equal(_by(results["waves"], ["wave__scope"]), want,
                  {"wave_notional_usd": "notional_usd"})
