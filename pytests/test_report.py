"""`house-edge report`: one self-contained HTML file whose numbers are the marts' numbers, and
which a real browser (headless Chromium) renders into charts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pandas as pd
import pytest
from click.testing import CliRunner

from house_edge import publish
from house_edge.access import connect_published
from house_edge.cli import main
from house_edge.headline import _optional_inputs_line, read_headline
from house_edge.report import (
    read_report_data,
    relief_against_fee_income_figure,
    relief_answer_table,
    relief_status,
    render_report,
    report_venues,
    venue_fee_income,
)
from pytests.conftest import SAMPLE

# Only what the report reads: seeds and models, no data tests (the full build is tested elsewhere).
SELECT = ["build", "--resource-type", "seed", "--resource-type", "model", "--select",
          "+fct_market_minutes", "+fct_cascade_waves", "+dim_exchanges",
          "+fct_relief_to_fee_income", "+fct_insurance_fund_flows", "+fct_relief_ratio_sensitivity",
          "+fct_fund_flow_reconciliation", "+fct_liquidation_map", "insurance_fund_movements"]
CHART_COUNT = 6


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    db = tmp_path_factory.mktemp("report") / "house_edge.duckdb"
    publish.run_dbt(SELECT, publish.project_root(), db, {}, echo=False)
    return db


@pytest.fixture(scope="module")
def report_html(warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("report_out") / "report.html"
    out.write_text(render_report(warehouse), encoding="utf-8")
    return out


def test_report_is_one_self_contained_file(report_html):
    text = report_html.read_text(encoding="utf-8")
    # no script, stylesheet or image fetched from anywhere: the file opens offline
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=", text)
    # plotly.js is inlined exactly once, and every chart has its own div
    assert text.count("plotly.js v") >= 1
    assert text.count("<script>/**") == 1  # the bundle
    for i in range(1, CHART_COUNT + 1):
        assert f'id="chart-{i}"' in text


def test_the_first_screen_answers_with_the_400m_against_fee_income(warehouse, report_html):
    """The verdict comes first and carries Binance's $400M and its central ratio, read from
    marts.fct_relief_to_fee_income; the answer table equals the mart's rows."""
    text = report_html.read_text(encoding="utf-8")
    with connect_published(warehouse) as con:
        ratio, income = con.execute(
            "select relief_to_fee_income_ratio, fee_income_usd from marts.fct_relief_to_fee_income "
            "where venue = 'binance' and program_name = 'Together Initiative' "
            "and basis = 'published_scaled' and scenario = 'central'").fetchone()
    start = text.index('<p class="verdict">')
    verdict = text[start:text.index("</p>", start)]
    assert start < text.index('id="chart-1"')
    assert "$400M" in verdict and f"{ratio:.1f}x" in verdict
    assert f"${float(income) / 1e6:,.1f}M" in verdict  # money is a Decimal (README "Types")
    table = relief_answer_table(read_report_data(warehouse), "binance")
    together = table[(table["program_name"] == "Together Initiative")
                     & (table["basis"] == "published_scaled")].set_index("scenario")
    assert together.loc["central", "relief_to_fee_income_ratio"] == pytest.approx(ratio)
    assert f"<td>{ratio:.1f}x</td>" in text
    by = together["relief_to_fee_income_ratio"]
    assert by["low"] <= by["central"] <= by["high"]
    # remediation is shown apart, never as relief
    kinds = dict(zip(table["program_name"], table["relief_kind"], strict=False))
    assert kinds["Depeg compensation (USDe/BNSOL/wBETH)"] == "remediation"
    assert "remediation of the venue" in text


def test_price_chart_carries_every_liquidated_dollar(warehouse):
    data = read_report_data(warehouse)
    with connect_published(warehouse) as con:
        # money is DECIMAL(38,6) (README "Types"): Python gets a Decimal
        total = float(con.execute("select sum(notional_usd) from marts.fct_liquidations"
                                  ).fetchone()[0])
        waves = con.execute("select count(*) from marts.fct_cascade_waves where scope = 'market'"
                            ).fetchone()[0]
    assert data["minutes_by_venue"]["liquidated_notional_usd"].sum() == pytest.approx(total)
    assert data["minutes"]["liquidated_notional_usd"].sum() == pytest.approx(total)
    assert len(data["waves"]) == waves > 0
    assert data["minutes"]["reference_close_price"].notna().all()


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None and os.environ.get("CI") != "true",
                    reason="headless Chromium not installed (`make system-deps` installs it)")
def test_headless_chromium_renders_every_chart(report_html):
    """A real browser loads the file offline and plotly draws an SVG in each chart div."""
    chromium = _chromium()
    assert chromium, "CI must have headless Chromium: `make system-deps` installs it"
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--virtual-time-budget=20000", "--dump-dom", report_html.as_uri()],
        capture_output=True, text=True, timeout=180, check=True,
    ).stdout
    for i in range(1, CHART_COUNT + 1):
        start = dom.index(f'id="chart-{i}"')
        end = dom.find('id="chart-', start + 1)
        chart = dom[start:end if end > 0 else len(dom)]
        assert 'class="main-svg"' in chart, f"chart {i} was not drawn"
        # bars or lines were drawn, not an empty frame
        assert re.search(r'class="(point|trace bars|js-line|scatterlayer)', chart), i


# ---- every venue (issue 14 item 7b; h-access block) ----
def test_every_venue_of_the_warehouse_gets_its_relief_chart(warehouse):
    """`--venue bybit` used to raise KeyError: 'central'. Every venue with fills and every venue
    with announced relief draws the chart; what it lacks is said, never a crash."""
    data = read_report_data(warehouse)
    venues = report_venues(data)
    with connect_published(warehouse) as con:
        with_fills = {r[0] for r in con.execute("select exchange_id from marts.dim_exchanges")
                      .fetchall()}
        with_programs = {r[0] for r in con.execute(
            "select venue from marts.fct_relief_to_fee_income").fetchall()}
        with_relief = {r[0] for r in con.execute(
            "select venue from marts.fct_relief_to_fee_income where relief_kind = 'relief'"
        ).fetchall()}
    assert set(venues) == with_fills | with_programs
    assert {"binance", "bybit", "okx", "hyperliquid", "dydx", "lighter"} <= set(venues)
    for venue in venues:
        fig = relief_against_fee_income_figure(data, venue)
        status = relief_status(data, venue)
        has_relief = venue in with_relief
        has_income = not venue_fee_income(data, venue).empty
        assert has_income == (venue in with_fills)
        if has_relief and has_income:
            assert status is None
        elif has_income:
            assert status.startswith(f"{venue}: no relief programme ")
        else:
            assert status.startswith(f"{venue}: no ")
        names = [t.name for t in fig.data]
        assert any(n.startswith("fee income (") for n in names) == has_income
        assert any(n.startswith("ratio, ") for n in names) == (status is None)
        if status:
            assert status in fig.layout.title.text
            assert any(status in a.text for a in fig.layout.annotations)
        if has_income:
            bar = next(t for t in fig.data if t.name.startswith("fee income ("))
            assert bar.y[0] == pytest.approx(venue_fee_income(data, venue)["central"] / 1e6)


@pytest.mark.parametrize("venue, status", [
    ("bybit", "bybit: no relief programme"),
    ("dydx", "dydx: no modelled fee income"),
])
def test_report_cli_for_a_venue_without_relief_or_revenue(warehouse, tmp_path, venue, status):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", "--venue", venue, "--out", str(out)],
                                env={"HOUSE_EDGE_PUBLISHED_PATH": str(warehouse)})
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert f'<p class="status"><strong>{status}' in text
    for i in range(1, CHART_COUNT + 1):
        assert f'id="chart-{i}"' in text


def test_report_cli_unknown_venue_is_one_clear_line(warehouse, tmp_path):
    result = CliRunner().invoke(main, ["report", "--venue", "deribit",
                                       "--out", str(tmp_path / "r.html")],
                                env={"HOUSE_EDGE_PUBLISHED_PATH": str(warehouse)})
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # a ClickException, not a crash
    assert result.output.startswith("Error: unknown venue 'deribit': this warehouse has ")
    assert "binance" in result.output and "dydx" in result.output
    assert not (tmp_path / "r.html").exists()


def test_report_and_headline_on_a_built_but_empty_warehouse(warehouse, tmp_path):
    """Every relation the report reads, with its columns and no rows: one clear line each."""
    import duckdb

    empty = tmp_path / "house_edge.duckdb"
    with duckdb.connect(str(empty)) as con:
        con.execute(f"attach '{warehouse}' as src (read_only)")
        for schema, table in con.execute(
                "select schema_name, table_name from duckdb_tables() where database_name = 'src'"
                " and schema_name in ('marts', 'reference')").fetchall():
            con.execute(f"create schema if not exists {schema}")
            con.execute(f"create table {schema}.{table} as "
                        f"select * from src.{schema}.{table} limit 0")
    env = {"HOUSE_EDGE_PUBLISHED_PATH": str(empty)}
    for args in (["headline"], ["report", "--out", str(tmp_path / "r.html")]):
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        assert result.output == (f"Error: {empty} holds no liquidations (marts.fct_liquidations "
                                 "or marts.dim_exchanges is empty): nothing to headline; "
                                 "rebuild from non-empty raw files with `house-edge build`\n")
    assert not (tmp_path / "r.html").exists()
# ---- end h-access block ----


def test_headline_names_the_simulator_inputs_it_read(warehouse):
    """Each optional simulator file read beside the raw files is named with its loaded rows."""
    text = read_headline(warehouse).render()
    for name, stem in (("collateral accounts", "raw_account_collateral"),
                       ("Hyperliquid ADL fills", "raw_adl_fills"),
                       ("cross-margin drains", "raw_cross_margin_drains")):
        rows = len(pd.read_csv(SAMPLE / f"{stem}.csv"))
        assert rows > 0 and f"{name} {rows:,}" in text
    assert "not modelled" not in text


def test_a_simulator_input_without_rows_is_said_to_be_not_modelled():
    lines = _optional_inputs_line([
        ("Hyperliquid ADL fills", 0, "raw_adl_fills", "raw_liquidations"),
        ("cross-margin drains", 1337, "raw_cross_margin_drains", "raw_positions"),
        ("collateral accounts", None, "raw_account_collateral", "raw_positions")])  # no table
    assert lines[0].endswith("Hyperliquid ADL fills 0, cross-margin drains 1,337")
    assert "not modelled in this build, no rows: Hyperliquid ADL fills (raw_adl_fills beside " \
           "raw_liquidations)" in lines[1]
    assert _optional_inputs_line([]) == []
