"""The CLI reads like the README and reports errors without stack traces."""

from __future__ import annotations

from click.testing import CliRunner

from house_edge.cli import main


def test_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("simulate", "build", "headline", "calibrate"):
        assert command in result.output


def test_build_with_a_raw_dir_missing_files_says_which(tmp_path):
    result = CliRunner().invoke(main, ["build", "--raw-dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "has no raw_price_bars.csv or raw_price_bars.parquet" in result.output


def test_build_of_a_corrupted_sample_exits_non_zero_and_keeps_the_published_file(
        tmp_path, monkeypatch):
    import shutil

    import pandas as pd

    from tests.python.conftest import SAMPLE

    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("raw_positions.csv", "raw_liquidations.csv"):
        shutil.copy(SAMPLE / name, raw / name)
    bars = pd.read_csv(SAMPLE / "raw_price_bars.csv")
    bars.loc[:9, ["open", "high", "low", "close"]] = 0.0  # prices "at zero", as traders saw
    bars.to_csv(raw / "raw_price_bars.csv", index=False)
    published = tmp_path / "warehouse" / "house_edge.duckdb"
    published.parent.mkdir()
    published.write_bytes(b"previous warehouse")
    monkeypatch.setenv("HOUSE_EDGE_PUBLISHED_PATH", str(published))
    result = CliRunner().invoke(main, ["build", "--raw-dir", str(raw), "--quiet"])
    assert result.exit_code != 0
    assert "quarantine" in result.output  # the gate says why: rows were quarantined
    assert published.read_bytes() == b"previous warehouse"
