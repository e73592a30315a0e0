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


# A corrupted sample through `house-edge build` (exit non-zero, the gate's reasons, the published
# file kept): tests/python/test_validate.py::test_corrupted_sample_is_refused_naming_each_failed_
# expectation, which runs that build through the CLI.
