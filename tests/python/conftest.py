"""Shared fixtures: the repository root and the committed sample."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "seeds" / "sample"


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
    )


# --- issue 7: one published sample warehouse shared by the BI-access, endpoint and crash tests --
@pytest.fixture(scope="session")
def published_sample(tmp_path_factory) -> Path:
    """The committed sample built and published once (a real `build_and_publish`); tests that
    change a warehouse copy this file first."""
    from house_edge import publish

    target = tmp_path_factory.mktemp("published_sample") / "house_edge.duckdb"
    raw = {k: SAMPLE / f"raw_{k}.csv" for k in ("price_bars", "positions", "liquidations")}
    publish.build_and_publish(raw_paths=raw, target=target, echo=False)
    return target


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
