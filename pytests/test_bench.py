"""The benchmark's node table: read from dbt's run_results.json, slowest first, per-type totals."""

from __future__ import annotations

import json

from benchmarks.bench import node_times


def _result(unique_id: str, seconds: float) -> dict:
    return {"unique_id": unique_id, "execution_time": seconds, "thread_id": "Thread-1 (worker)"}


def test_node_times_ranks_slowest_first_and_totals_each_node_type():
    nodes, totals = node_times({"results": [
        _result("model.house_edge.fct_small", 1.0),
        _result("test.house_edge.unique_fct_big_id.0d653d8c82", 3.0),
        _result("model.house_edge.fct_big", 5.0),
        _result("unit_test.house_edge.fct_big.a_unit_test", 0.5),
    ]})
    assert nodes == [("model", "fct_big", 5.0),
                     ("test", "unique_fct_big_id", 3.0),  # the hash is dropped
                     ("model", "fct_small", 1.0),
                     ("unit_test", "a_unit_test", 0.5)]
    assert totals == {"model": (2, 6.0), "test": (1, 3.0), "unit_test": (1, 0.5)}


def test_the_incremental_bench_reads_its_timed_runs_by_field(monkeypatch):
    """bench_incremental times the scheduled job through bench._timed_child: a field added to
    its result (CPU seconds were) must not break the incremental bench's reading of it."""
    from pathlib import Path

    from benchmarks import bench, bench_incremental

    stdout = 'job output\n__SECONDS__ {"dbt": 1.5, "gate": 0.5}\n'
    monkeypatch.setattr(bench_incremental, "_timed_child",
                        lambda code: bench.Timed(12.5, 100.0, stdout, 3.0))
    assert bench_incremental._job({}, Path("/nowhere"), False) == (12.5, {"dbt": 1.5, "gate": 0.5})


def test_bench_incremental_simulates_again_when_its_raw_files_are_of_another_simulation(tmp_path):
    """The incremental bench keeps its raw files between runs; files left by another scale,
    seed, simulator or calibration are stale (a symbol added to the calibration made the gate
    refuse a build of old files) and are simulated again."""
    from benchmarks import bench_incremental as bi

    stamp = bi.simulation_stamp(1.0, 20251010)
    assert not bi.raw_files_are_current(tmp_path, stamp)  # nothing there
    (tmp_path / "raw_liquidations.parquet").write_bytes(b"")
    assert not bi.raw_files_are_current(tmp_path, stamp)  # files without a stamp: unknown origin
    (tmp_path / bi.STAMP_NAME).write_text(json.dumps(stamp))
    assert bi.raw_files_are_current(tmp_path, stamp)
    assert not bi.raw_files_are_current(tmp_path, bi.simulation_stamp(1.0, 7))
    assert not bi.raw_files_are_current(tmp_path, {**stamp, "simulator_sha256": "0" * 64})
