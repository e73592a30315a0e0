"""`house-edge headline` and `house-edge report` on a warehouse they cannot read: outside the
checkout, a missing file, a file that is not DuckDB, an empty warehouse, marts with no rows.
Each ends in one `Error: ...` line saying what to do, exit code 1, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from house_edge.cli import main
from pytests.conftest import ROOT

ENV_VARS = ("HOUSE_EDGE_PUBLISHED_PATH", "HOUSE_EDGE_PROJECT_DIR")


def _empty(path: Path) -> Path:
    duckdb.connect(str(path)).close()
    return path


def _zero_rows(path: Path) -> Path:
    """The two marts the headline needs, with their columns and no rows."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_exchanges (exchange_id varchar, "
                    "liquidation_count bigint, liquidated_notional_usd double, "
                    "public_feed_notional_usd double, published_liquidations_usd double, "
                    "long_share double)")
        con.execute("create table marts.fct_liquidations (liquidated_minute_at timestamp, "
                    "notional_usd double, is_shown_in_public_feed boolean, is_long boolean)")
    return path


def _wrong_shape(path: Path) -> Path:
    """The marts exist with other columns (an older or foreign build)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_exchanges (venue varchar)")
        con.execute("create table marts.fct_liquidations (venue varchar)")
    return path


def _not_duckdb(path: Path) -> Path:
    path.write_text("liquidation_id,venue\n1,binance\n")
    return path


CASES = [
    ("missing", lambda p: p, "does not exist yet: run `house-edge build` first"),
    ("not duckdb", _not_duckdb, "cannot be opened as a DuckDB database"),
    ("empty", _empty, "has no marts.dim_exchanges, marts.fct_liquidations: it is not a "
                      "complete House Edge build; run `house-edge build`"),
    ("wrong shape", _wrong_shape, "cannot be read as a House Edge warehouse (Binder Error: "),
    ("zero rows", _zero_rows, "holds no liquidations (marts.fct_liquidations or "
                              "marts.dim_exchanges is empty): nothing to headline"),
]


@pytest.mark.parametrize("make, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_headline_on_an_unreadable_warehouse(tmp_path, make, message):
    path = make(tmp_path / "house_edge.duckdb")
    result = CliRunner().invoke(main, ["headline"], env={"HOUSE_EDGE_PUBLISHED_PATH": str(path)})
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # ClickException
    assert result.output.startswith(f"Error: {path}"), result.output
    assert message in result.output
    assert result.output.count("\n") == 1  # one line


@pytest.mark.parametrize("make, message", [
    (_empty, "has no marts.fct_market_minutes, marts.fct_cascade_waves, marts.dim_exchanges"),
    (_zero_rows, "has no marts.fct_market_minutes, marts.fct_cascade_waves, "
                 "marts.fct_exchange_fee_income"),
], ids=["empty", "partial"])
def test_report_on_an_incomplete_warehouse(tmp_path, make, message):
    path = make(tmp_path / "house_edge.duckdb")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", "--out", str(out)],
                                env={"HOUSE_EDGE_PUBLISHED_PATH": str(path)})
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert message in result.output and "run `house-edge build`" in result.output
    assert not out.exists()


@pytest.mark.parametrize("command", ["headline", "report"])
def test_outside_the_checkout_is_one_clear_line(tmp_path, command):
    """No dbt_project.yml above cwd and no HOUSE_EDGE_PUBLISHED_PATH: publish.project_root's
    BuildError used to surface as a traceback. Run as a user would, in a child process."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    env["PYTHONPATH"] = str(ROOT)
    run = subprocess.run([sys.executable, "-m", "house_edge.cli", command], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr == ("Error: no House Edge checkout here (no dbt_project.yml in this "
                          "directory or above): run from the checkout, or set "
                          "HOUSE_EDGE_PUBLISHED_PATH to the warehouse file\n")
