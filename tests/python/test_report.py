"""`house-edge report`: one self-contained HTML file whose numbers are the marts' numbers, and
which a real browser (headless Chromium) renders into charts."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess

import duckdb
import pytest

from house_edge import publish
from house_edge.report import read_report_data, relief_ratio_table, render_report

# Only what the report reads: seeds and models, no data tests (the full build is tested elsewhere).
SELECT = ["build", "--resource-type", "seed", "--resource-type", "model", "--select",
          "+fct_market_minutes", "+fct_cascade_waves", "+dim_exchanges",
          "+fct_exchange_fee_revenue", "+fct_relief_to_revenue", "+fct_liquidation_map",
          "insurance_fund_movements"]
CHART_COUNT = 5


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


def test_relief_ratios_in_the_report_are_the_headlines(warehouse, report_html):
    """The report's ratio table (the headline's query) equals the sum of the mart's per-program
    relief_to_revenue_ratio over Binance's exchange-funded programs, and the HTML shows it."""
    table = relief_ratio_table(read_report_data(warehouse), "binance")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        per_program = con.execute(
            "select basis, scope, scenario, sum(relief_to_revenue_ratio), "
            "count(relief_to_revenue_ratio) from marts.fct_relief_to_revenue "
            "where venue = 'binance' and is_exchange_funded group by all").fetchall()
    mart_ratios = {(b, s, sc): (r if n else None) for b, s, sc, r, n in per_program}
    # 3 bases (simulated, published-scaled, published fund flow) x 3 scopes x 3 scenarios
    assert len(mart_ratios) == len(table) == 3 * 3 * 3
    for row in table.itertuples():
        expected = mart_ratios[(row.basis, row.scope, row.scenario)]
        if expected is None:  # revenue <= 0: no ratio in either computation
            assert math.isnan(row.ratio)
        else:
            assert row.ratio == pytest.approx(expected)
    text = report_html.read_text(encoding="utf-8")
    central = table[(table["basis"] == "simulated_full_record") & (table["scope"] == "narrow")
                    & (table["scenario"] == "central")]["ratio"].iloc[0]
    assert f"<td>{central:.1f}x</td>" in text
    # ordered ranges
    ordered = 0
    for (_, _), sub in table.groupby(["basis", "scope"]):
        by = sub.set_index("scenario")["ratio"]
        if by.notna().all():
            assert by["low"] <= by["central"] <= by["high"]
            ordered += 1
    assert ordered >= 6  # both modelled bases have a ratio in every scope


def test_price_chart_carries_every_liquidated_dollar(warehouse):
    data = read_report_data(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        total = con.execute("select sum(notional_usd) from marts.fct_liquidations").fetchone()[0]
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
