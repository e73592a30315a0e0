"""The scheduled job (house_edge.scheduled.run_job) without Dagster: a first run builds in full;
later runs are hourly (only the models downstream of the raw input that changed) and publish only
what a new raw file added;
an hourly run whose new data fails the publish gate stops and leaves the published file alone."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from house_edge import publish, scheduled
from pytests.conftest import SAMPLE

HOUR_MS = 3_600_000


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _count(db: Path, sql: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def test_hourly_runs_publish_new_files_and_a_gate_failure_publishes_nothing(tmp_path):
    with open(SAMPLE / "raw_liquidations.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    ms, price = header.index("liquidated_at_ms"), header.index("price")
    last_hour = max(int(r[ms]) // HOUR_MS for r in body)
    raw = tmp_path / "raw"
    raw.mkdir()

    def write(name: str, selected: list[list[str]]) -> None:
        with open(raw / name, "w", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows([header, *selected])

    write("liquidations_a.csv", [r for r in body if int(r[ms]) // HOUR_MS < last_hour])
    # the sample's ADL fills (21:16-21:27, all in file a), read from beside the liquidations
    shutil.copy(SAMPLE / "raw_adl_fills.csv", raw / "raw_adl_fills.csv")
    new_hour = [r for r in body if int(r[ms]) // HOUR_MS == last_hour]
    assert new_hour
    paths = {"price_bars": SAMPLE / "raw_price_bars.csv", "positions": SAMPLE / "raw_positions.csv",
             "liquidations": str(raw / "liquidations_*.csv")}
    target = tmp_path / "served" / "house_edge.duckdb"

    first = scheduled.run_job(raw_paths=paths, target=target, echo=False)
    assert first.plan.kind == "full"

    def tests_run(report: scheduled.JobReport) -> set[str]:
        results = json.loads((scheduled.dbt_target_path(report.state_path)
                              / "run_results.json").read_text())["results"]
        return {r["unique_id"].split(".")[2] for r in results
                if r["unique_id"].startswith("test.")}

    # a full run tests every key with `unique`, not again with its hourly twin
    first_tests = tests_run(first)
    assert "unique_fct_liquidations_liquidation_id" in first_tests
    assert not {t for t in first_tests if t.startswith("unique_keys_of_latest_load")}
    n_before = _count(target, "select count(*) from marts.fct_liquidations")
    assert {f.source for f in first.freshness} >= {"simulator.liquidations"}

    write("liquidations_b.csv", new_hour)  # the next hour arrives
    second = scheduled.run_job(raw_paths=paths, target=target, echo=False)
    assert (second.plan.kind, second.plan.changed_inputs) == ("hourly", ["simulator.liquidations"])
    # only the models downstream of the changed input ran, and no view was recreated
    run_results = json.loads((scheduled.dbt_target_path(second.state_path)
                              / "run_results.json").read_text())
    ran = {r["unique_id"].split(".")[-1] for r in run_results["results"]}
    assert {"stg_simulator__liquidations_checked", "fct_liquidations", "build_info",
            "fct_exchange_fee_income"} <= ran
    assert not ran & {"stg_simulator__positions_checked", "stg_simulator__price_bars",
                      "fct_price_bars", "stg_simulator__liquidations"}
    # the hourly run checks the keys it wrote (unique_keys_of_latest_load), not every key
    second_tests = tests_run(second)
    assert "unique_keys_of_latest_load_fct_liquidations_liquidation_id" in second_tests
    assert "unique_fct_liquidations_liquidation_id" not in second_tests
    assert _count(target, "select count(*) from marts.fct_liquidations") == n_before + len(new_hour)
    # the hourly run read only the new file
    assert _count(target, "select count(distinct source_file) from "
                          "staging.stg_simulator__liquidations_checked where loaded_at = "
                          "(select max(loaded_at) from staging.stg_simulator__liquidations_checked)"
                  ) == 1
    published = _digest(target)

    # A third hour whose fill lies 10x above its minute bar: dbt's row checks pass it (a positive
    # price), the publish gate's critical `fill_price_within_minute_bar` does not.
    bad = list(new_hour[0])
    bad[header.index("liquidation_id")] = str(max(int(r[0]) for r in body) + 1)
    bad[price] = str(float(bad[price]) * 10)
    write("liquidations_c.csv", [bad])
    with pytest.raises(publish.BuildError, match="fill_price_within_minute_bar"):
        scheduled.run_job(raw_paths=paths, target=target, echo=False)
    assert _digest(target) == published
    assert not publish.staging_path(target).exists()  # publish's copy, made during the gate
