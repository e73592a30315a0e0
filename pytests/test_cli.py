"""The CLI reads like the README and reports errors without stack traces."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from house_edge.cli import main


def test_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("simulate", "build", "headline", "calibrate"):
        assert command in result.output
    # the examples keep their lines (click reflowed them into one paragraph before)
    lines = [line.strip() for line in result.output.splitlines()]
    assert "house-edge headline            print the headline of the published warehouse" in lines


def test_version_is_the_installed_package_version():
    from importlib.metadata import version

    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"house-edge, version {version('house-edge')}\n"


def test_build_with_a_raw_dir_missing_files_says_which(tmp_path):
    result = CliRunner().invoke(main, ["build", "--raw-dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "has no raw_price_bars.csv or raw_price_bars.parquet" in result.output


# A corrupted sample through `house-edge build` (exit non-zero, the gate's reasons, the published
# file kept): pytests/test_validate.py::test_corrupted_sample_is_refused_naming_each_failed_
# expectation, which runs that build through the CLI.


def test_build_vars_must_be_a_yaml_mapping():
    for text, fragment in (("[1, 2", "is not YAML/JSON"), ("just-text", "expected a mapping")):
        result = CliRunner().invoke(main, ["build", "--vars", text])
        assert result.exit_code != 0
        assert fragment in result.output and "Traceback" not in result.output


def test_build_passes_vars_and_warehouse_dir_to_the_build(monkeypatch, tmp_path):
    from house_edge import publish

    seen = {}

    def fake_build(**kwargs):
        seen.update(kwargs)
        raise publish.BuildError("stopped here by the test")

    monkeypatch.setattr(publish, "build_and_publish", fake_build)
    result = CliRunner().invoke(main, [
        "build", "--warehouse-dir", str(tmp_path / "elsewhere"), "--vars",
        '{event_window_start: "2025-10-10 18:00:00", '
        'raw_positions_path: data/sample/raw_positions.csv}'])
    assert result.exit_code != 0 and "stopped here by the test" in result.output
    assert seen["target"] == tmp_path / "elsewhere" / "house_edge.duckdb"
    assert seen["extra_vars"]["event_window_start"] == "2025-10-10 18:00:00"
    # a raw path var is resolved like --raw-dir paths (absolute: the file is found wherever
    # dbt runs from)
    assert Path(seen["extra_vars"]["raw_positions_path"]).is_absolute()


def test_simulate_does_not_overwrite_the_committed_sample_by_default():
    result = CliRunner().invoke(main, ["simulate", "--help"])
    assert "warehouse/simulated" in result.output


def test_a_quiet_dbt_run_logs_to_a_file_reports_progress_and_fails_with_the_tail(
        monkeypatch, tmp_path):
    """`house-edge build` without -v: dbt's ~1,100 lines go to the log file, the caller sees
    node progress, and a failure carries the last lines and names the log."""
    import stat
    import subprocess

    from house_edge import publish

    fake = tmp_path / "dbt_session"  # stands in for `python -m house_edge.dbt_session`
    fake.write_text("#!/bin/sh\ncat > /dev/null\necho 'Running with dbt'\n"
                    "echo '1 of 2 OK created sql table model x'\n"
                    "echo '2 of 2 FAIL 1 not_null_columns_x'\necho 'Done. ERROR=1'\n"
                    "exit ${FAKE_DBT_EXIT:-0}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)

    def fake_session(root, db_path, echo=True):
        return subprocess.Popen([str(fake)], cwd=root, text=True, stdin=subprocess.PIPE,
                                stdout=None if echo else subprocess.PIPE,
                                stderr=None if echo else subprocess.STDOUT)

    monkeypatch.setattr(publish, "start_dbt_session", fake_session)
    monkeypatch.setattr(publish, "check_raw_files", lambda root, variables: None)
    seen = []
    log = tmp_path / "logs" / "dbt_build.log"
    publish.run_dbt(["build"], tmp_path, tmp_path / "x.duckdb", {}, echo=False, log_path=log,
                    progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]
    assert log.read_text().splitlines()[-1] == "Done. ERROR=1"

    monkeypatch.setenv("FAKE_DBT_EXIT", "1")
    with pytest.raises(publish.BuildError) as failed:
        publish.run_dbt(["build"], tmp_path, tmp_path / "x.duckdb", {}, echo=False, log_path=log)
    assert "2 of 2 FAIL 1 not_null_columns_x" in str(failed.value)
    assert str(log) in str(failed.value)
