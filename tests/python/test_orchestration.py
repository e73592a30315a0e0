"""The Dagster job (house_edge/orchestration) materialises every asset and check in process, and
a failed publish-gate check stops publication (the published file is left as it was)."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

from dagster import AssetCheckSeverity, DagsterInstance, materialize

from house_edge.orchestration import definitions as d
from tests.python.conftest import SAMPLE


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(settings: d.HouseEdgeSettings, instance: DagsterInstance):
    return materialize(
        [d.raw_files, d.house_edge_dbt_assets, d.publish_gate, d.published_warehouse],
        resources={"dbt": d.defs.resources["dbt"], "house_edge": settings},
        instance=instance, raise_on_error=False)


def test_dagster_job_materialises_all_assets_and_checks_and_a_failed_gate_stops_publication(
        tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE / "raw_liquidations.csv", raw / "liquidations_0001.csv")
    target = tmp_path / "served" / "house_edge.duckdb"
    settings = d.HouseEdgeSettings(
        published_path=str(target), raw_liquidations_path=str(raw / "liquidations_*.csv"),
        raw_price_bars_path=str(SAMPLE / "raw_price_bars.csv"),
        raw_positions_path=str(SAMPLE / "raw_positions.csv"))
    instance = DagsterInstance.ephemeral()

    result = _run(settings, instance)
    assert result.success
    expected_assets = (set(d.house_edge_dbt_assets.keys) | set(d.RAW_SOURCE_KEYS.values())
                       | {d.published_warehouse.key})
    materialised = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialised == expected_assets
    checks = {(c.asset_key, c.check_name): c for c in result.get_asset_check_evaluations()}
    gate = {name: c for (_, name), c in checks.items() if name.startswith("gate_")}
    assert set(gate) == {f"gate_{suite}" for suite in d.GATE_SUITE_MODELS}
    assert all(c.passed for c in gate.values())
    dbt_tests = [c for (_, name), c in checks.items() if not name.startswith("gate_")]
    assert len(dbt_tests) > 100 and all(c.passed for c in dbt_tests)
    assert target.exists() and (target.parent / "validation" / "latest.json").exists()
    published = _digest(target)

    # The next hour's file brings a fill with a zero price: staging quarantines it, and the gate
    # allows no quarantined row (gate_max_quarantine_rate = 0): a critical failure.
    with open(SAMPLE / "raw_liquidations.csv", newline="") as fh:
        header, first = list(csv.reader(fh))[:2]
    bad = dict(zip(header, first, strict=True))
    bad["liquidation_id"], bad["price"] = "99999999", "0"
    with open(raw / "liquidations_0002.csv", "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerows([header, [bad[c] for c in header]])

    result = _run(settings, instance)
    assert not result.success
    evaluations = {c.check_name: c for c in result.get_asset_check_evaluations()}
    failed = evaluations["gate_liquidations"]
    assert not failed.passed and failed.severity == AssetCheckSeverity.ERROR
    assert "quarantine_rate_liquidations" in failed.metadata["critical_failures"].value
    materialised = {e.asset_key for e in result.get_asset_materialization_events()}
    assert d.AssetKey(["marts", "fct_liquidations"]) in materialised  # the build itself ran
    assert d.published_warehouse.key not in materialised  # ... but publication was blocked
    assert _digest(target) == published
