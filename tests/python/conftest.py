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
