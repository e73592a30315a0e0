"""Shared fixtures: the repository root and the committed sample."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"

# `make test` runs pytest on two workers (pytest-xdist): each worker's dbt runs write their
# artifacts (manifest, partial-parse cache, run results) and logs to a directory of its own,
# never over the other worker's. dbt and MetricFlow read DBT_TARGET_PATH / DBT_LOG_PATH.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER:
    os.environ.setdefault("DBT_TARGET_PATH", str(ROOT / "target" / f"pytest-{_WORKER}"))
    os.environ.setdefault("DBT_LOG_PATH", str(ROOT / "logs" / f"pytest-{_WORKER}"))
DBT_TARGET = Path(os.environ.get("DBT_TARGET_PATH", ROOT / "target"))


# `make test` runs two workers, each taking whole files (`--dist loadfile` in pyproject.toml:
# a module's fixtures, often a dbt build, are set up once, not once per worker). The files are
# handed out in this order, the longest first (measured, --durations), so that neither worker is
# left with a long file at the end; files not listed follow in collection order.
SLOWEST_FIRST = (  # seconds of a run at load ~6.5 (files' setup + calls), 2026-11-27
    "test_concurrency.py",          # ~456 (with the shared sample build it needs first)
    "test_readme_paths.py",         # ~435
    "test_orchestration.py",        # ~304
    "test_calibration_targets.py",  # ~230
    "test_incremental.py",          # ~200
    "test_validate.py",             # ~172
    "test_venue_file_inputs.py",    # ~133
    "test_scheduled_job.py",        # ~128
    "test_collateral_depeg.py",     # ~114
    "test_venue_files.py",          # ~88
    "test_publish.py",              # ~81
    "test_venue_price_bars.py",     # ~80
    "test_revenue_vars.py",         # ~75
    "test_simulator.py",            # ~73
    "test_quarantine.py",           # ~69
    "test_report.py", "test_metrics.py", "test_corpus.py", "test_job_inputs.py",
)


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: keeps the rest


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def committed_sample():
    """The committed default sample as a SimulationResult."""
    from house_edge.simulator import SimulationResult

    return SimulationResult(
        price_bars=pd.read_csv(SAMPLE / "raw_price_bars.csv"),
        positions=pd.read_csv(SAMPLE / "raw_positions.csv"),
        liquidations=pd.read_csv(SAMPLE / "raw_liquidations.csv"),
        account_collateral=pd.read_csv(SAMPLE / "raw_account_collateral.csv"),
        adl_fills=pd.read_csv(SAMPLE / "raw_adl_fills.csv"),
        cross_margin_drains=pd.read_csv(SAMPLE / "raw_cross_margin_drains.csv"),
    )


# --- one published sample warehouse, built once, shared by the publish, gate, BI-access,
# endpoint and crash tests (a sample build with its gate costs ~45 s on 2 cores). Under xdist
# the first worker to need it builds it into the run's shared temporary directory, under a
# lock; the other worker waits for it and reads the same file (never changed by a test). ------
def _build_published_sample(directory: Path):
    from house_edge import publish

    target = directory / "house_edge.duckdb"
    raw = {k: SAMPLE / f"raw_{k}.csv" for k in ("price_bars", "positions", "liquidations")}
    report = publish.build_and_publish(raw_paths=raw, target=target, echo=False)
    return target, report


@pytest.fixture(scope="session")
def published_sample_build(tmp_path_factory):
    """The committed sample built and published once (a real `build_and_publish`): the
    published file and its BuildReport. Never changed by a test: use copy_published_sample."""
    if not _WORKER:
        return _build_published_sample(tmp_path_factory.mktemp("published_sample"))
    import fcntl
    import pickle
    import shutil

    # xdist gives each worker <run's basetemp>/<worker>: the parent is this run's, shared.
    shared = tmp_path_factory.getbasetemp().parent / "published_sample"
    shared.mkdir(exist_ok=True)
    record = shared / "build.pickle"
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes (or the worker dies)
        if record.exists():
            return pickle.loads(record.read_bytes())
        shutil.rmtree(shared / "warehouse", ignore_errors=True)  # a failed attempt's debris
        built = _build_published_sample(shared / "warehouse")
        record.write_bytes(pickle.dumps(built))
        return built


@pytest.fixture(scope="session")
def published_sample(published_sample_build) -> Path:
    """The shared published sample's file; tests that change a warehouse copy it first."""
    return published_sample_build[0]


def copy_published_sample(published_sample_build, directory: Path):
    """A private copy of the shared published sample (the file, its gate record and Data
    Docs) in ``directory``, with its BuildReport's paths pointing at the copy."""
    import dataclasses
    import shutil

    source, report = published_sample_build
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / source.name
    shutil.copy(source, target)
    for name in ("validation", "data_docs"):
        shutil.copytree(source.parent / name, directory / name)
    return target, dataclasses.replace(
        report, published_path=target,
        validation_summary_path=directory / "validation" / "latest.json",
        data_docs_index=directory / "data_docs" / "index.html")


@pytest.fixture(scope="session")
def pg_data_root():
    """A directory the `postgres` OS user can reach (pytest's tmp dirs are mode 0700)."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="house_edge_pg_test_"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
