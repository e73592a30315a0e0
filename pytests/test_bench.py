"""The benchmark's node table: read from dbt's run_results.json, slowest first, per-type totals."""

from __future__ import annotations

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
