"""The publish gate: GX suites on the built private file decide whether it may be published."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess

import duckdb
import pandas as pd
import pytest

from house_edge import data_docs, publish, validate
from pytests.conftest import SAMPLE, copy_published_sample

RAW = {k: SAMPLE / f"raw_{k}.csv" for k in ("price_bars", "positions", "liquidations")}


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def published(published_sample_build, tmp_path_factory):
    """The shared sample build (conftest), copied: this module's tests publish over it."""
    return copy_published_sample(published_sample_build, tmp_path_factory.mktemp("warehouse"))


def test_clean_build_passes_the_gate_and_writes_data_docs_and_the_record(published_sample_build):
    target, report = published_sample_build
    summary = report.validation
    assert summary is not None and summary.success, [validate.describe(r)
                                                     for r in summary.critical_failures]
    assert report.data_docs_index == target.parent / "data_docs" / "index.html"
    assert report.data_docs_index.exists()
    assert "house_edge.liquidations" in report.data_docs_index.read_text()
    # offline: every page loads its CSS/JS/fonts from the site, and names its data asset
    docs = report.data_docs_index.parent
    assert data_docs.cdn_urls(docs) == {}
    pages = [p.read_text() for p in docs.rglob("*.html")]
    assert len(pages) > 2 and not any("Data asset: None" in p for p in pages)
    assert any("Data asset: marts.fct_liquidations" in p for p in pages)
    assert (docs / "static" / "vendor" / "bootstrap-4.3.1.min.css").exists()
    record = json.loads((target.parent / "validation" / "latest.json").read_text())
    assert record["success"] is True and record["critical_failures"] == []
    assert {r["suite"] for r in record["results"]} == set(validate.SUITES)
    assert "validate" in report.seconds
    assert not (target.parent / ".build").exists()


def test_every_check_is_tagged_critical_or_warning_and_names_are_unique_per_suite():
    settings = validate.load_settings()
    for build_suite in validate.SUITES.values():
        checks = build_suite(settings)
        assert len({c.name for c in checks}) == len(checks)
        assert {c.severity for c in checks} <= {validate.CRITICAL, validate.WARNING}


def test_gate_settings_come_from_dbt_vars_and_build_vars(root):
    settings = validate.load_settings(root, {"gate_max_quarantine_rate": "0.01",
                                             "raw_price_bars_path": "ignored.csv"})
    assert settings["event_window_start"].startswith("2025-10-10")
    assert settings["gate_max_quarantine_rate"] == "0.01"
    assert "raw_price_bars_path" not in settings


def test_corrupted_sample_is_refused_naming_each_failed_expectation(published, tmp_path,
                                                                     monkeypatch):
    """Through the CLI (`house-edge build`), as a user meets it: exit non-zero, every failed
    expectation named, the published file and its gate record left as they were."""
    from click.testing import CliRunner

    from house_edge.cli import main

    target, _ = published
    digest, record = _digest(target), (target.parent / "validation" / "latest.json").read_text()
    bars = pd.read_csv(RAW["price_bars"])
    bars.loc[10, ["open", "high", "low", "close"]] = 0.0  # zero prices, as traders saw
    bars.loc[20, "high"] = bars.loc[20, "low"] * 0.99  # high < low
    liqs = pd.read_csv(RAW["liquidations"])
    liqs = pd.concat([liqs, liqs.iloc[[5, 6]]], ignore_index=True)  # duplicated fills
    bars.to_csv(tmp_path / "raw_price_bars.csv", index=False)
    liqs.to_csv(tmp_path / "raw_liquidations.csv", index=False)
    shutil.copy(RAW["positions"], tmp_path / "raw_positions.csv")
    # the ADL fills belong to these liquidations (read from beside them; without them
    # Hyperliquid's vault result is another model's, and dbt would fail before the gate runs)
    shutil.copy(SAMPLE / "raw_adl_fills.csv", tmp_path / "raw_adl_fills.csv")
    # likewise the cross-margin drains belong to these positions (without them Binance's fund
    # misses its published result, and dbt would fail before the gate runs)
    shutil.copy(SAMPLE / "raw_cross_margin_drains.csv", tmp_path / "raw_cross_margin_drains.csv")
    # and the accounts on depegging collateral (without them the fund misses too)
    shutil.copy(SAMPLE / "raw_account_collateral.csv", tmp_path / "raw_account_collateral.csv")
    monkeypatch.setenv("HOUSE_EDGE_PUBLISHED_PATH", str(target))
    result = CliRunner().invoke(main, ["build", "--raw-dir", str(tmp_path), "--quiet"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    for expected in ("raw_prices.quarantine_rate_price_bars", "non_positive_price",
                     "high_below_low", "liquidations.quarantine_rate_liquidations",
                     "duplicate_key", "not touched"):
        assert expected in result.output
    assert _digest(target) == digest
    assert (target.parent / "validation" / "latest.json").read_text() == record


def test_gate_catches_what_staging_lets_through(published, tmp_path):
    """Staging quarantines high < low but not a high below the close; the gate does, and it
    validates the private copy without writing to it."""
    target, _ = published
    copy = tmp_path / "house_edge.duckdb"
    shutil.copy(target, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("update staging.stg_simulator__price_bars set high_price = close_price * 0.9"
                    " where venue = 'okx' and symbol = 'ETH'"
                    " and bar_opened_at = timestamp '2025-10-10 21:15:00'")
        con.execute("update marts.fct_liquidations set price = price * 2"
                    " where liquidation_id = (select min(liquidation_id) from"
                    " marts.fct_liquidations)")
        con.execute("checkpoint")
        high, open_price = con.execute(
            "select high_price, open_price from staging.stg_simulator__price_bars"
            " where venue = 'okx' and symbol = 'ETH'"
            " and bar_opened_at = timestamp '2025-10-10 21:15:00'").fetchone()
    digest = _digest(copy)
    summary = validate.validate(copy, tmp_path / "gate")
    failed = {f"{r.suite}.{r.name}": r for r in summary.critical_failures}
    expected = {"raw_prices.high_at_least_close", "liquidations.fill_price_within_minute_bar"}
    if open_price > high:
        expected.add("raw_prices.high_at_least_open")
    assert set(failed) == expected
    assert failed["raw_prices.high_at_least_close"].observed == 1
    example = failed["raw_prices.high_at_least_close"].examples[0]
    assert (example["venue"], example["symbol"]) == ("okx", "ETH")
    assert failed["liquidations.fill_price_within_minute_bar"].observed == 1
    assert _digest(copy) == digest
    assert json.loads((tmp_path / "gate" / "summary.json").read_text())["success"] is False


def test_cross_venue_divergence_is_a_warning_published_and_recorded(published, tmp_path):
    target, _ = published
    bars = pd.read_csv(RAW["price_bars"])
    glitch = bars.index[(bars.venue == "bybit") & (bars.symbol == "SOL")
                        & (bars.open_time_ms == 1760101200000)]  # 13:00 UTC
    assert len(glitch) == 1
    bars.loc[glitch, "close"] *= 1.3  # a glitch print 30% above the other venues
    bars.loc[glitch, "high"] = bars.loc[glitch, "close"]
    bars.to_csv(tmp_path / "raw_price_bars.csv", index=False)
    report = publish.build_and_publish(
        raw_paths={**RAW, "price_bars": tmp_path / "raw_price_bars.csv"},
        target=target, echo=False)
    assert report.validation.success
    record = json.loads((target.parent / "validation" / "latest.json").read_text())
    assert "cross_venue_close_divergence" in record["warnings"]
    divergence = next(r for r in record["results"]
                      if r["name"] == "cross_venue_close_divergence")
    top = divergence["examples"][0]
    assert (top["symbol"], top["high_venue"]) == ("SOL", "bybit")
    assert top["bar_opened_at"].startswith("2025-10-10 13:00")


def test_overlapping_waves_fail_dbts_test_not_a_gate_restatement(published, tmp_path):
    """Waves that overlap are a dbt test (tests/waves/assert_waves_do_not_overlap_within_a_scope),
    run by every build before the gate; the gate no longer restates it. A wave shifted to start
    inside the previous wave of its scope fails that test, naming it."""
    target, _ = published
    copy = tmp_path / "house_edge.duckdb"
    shutil.copy(target, copy)
    with duckdb.connect(str(copy)) as con:
        previous, shifted = con.execute(
            "select previous_wave_id, wave_id from (select scope, wave_id, lag(wave_id)"
            " over (partition by scope order by started_at) as previous_wave_id"
            " from marts.fct_cascade_waves) where previous_wave_id is not null"
            " order by scope, wave_id limit 1").fetchone()
        con.execute("update marts.fct_cascade_waves set started_at = (select started_at"
                    " + interval 30 second from marts.fct_cascade_waves where wave_id = ?)"
                    " where wave_id = ?", [previous, shifted])
        con.execute("update marts.build_info set published_at = null")  # a private build
        con.execute("checkpoint")
    assert not any("overlap" in c.name for build in validate.SUITES.values()
                   for c in build(validate.load_settings()))
    with pytest.raises(publish.BuildError) as info:
        publish.run_dbt(["test", "--select", "assert_waves_do_not_overlap_within_a_scope"],
                        publish.project_root(), copy, {}, echo=False)
    assert "assert_waves_do_not_overlap_within_a_scope" in str(info.value)
    assert "Got 1 result" in str(info.value)


def test_a_check_gx_cannot_compute_is_an_error_not_a_data_failure(published, tmp_path):
    """An expectation GX could not compute (here: a column that does not exist) must not pass
    for a data failure, let alone a success: validate raises, publish.run_gate reports it."""
    target, _ = published
    broken = {"marts": lambda s: [validate._between(
        "no_such_column_positive", validate.CRITICAL, "x > 0", "marts.dim_exchanges",
        "no_such_column", min_value=0)]}
    with pytest.raises(duckdb.Error, match="no_such_column"):
        validate.validate(target, tmp_path / "gate", suites=broken)


def test_the_gate_prepared_while_dbt_builds_is_used_only_for_the_same_suites(published,
                                                                           tmp_path, root):
    """The gate's process makes its GX context and suites while dbt builds (_prepare_gate,
    from the build's vars); validation takes them only when its own suites are the same, so a
    context prepared for other settings is never what checks the build. Run here in this
    process (the gate runs it in its own) on a private copy."""
    target, _ = published
    copy = tmp_path / "house_edge.duckdb"
    shutil.copy(target, copy)
    docs = tmp_path / "data_docs"
    suites = validate._build_suites(validate.load_settings(root), None)
    # prepared for a max leverage of 2 (the sample's positions go far above): not these suites
    validate._prepare_gate(root, {"gate_max_leverage": 2}, docs)
    stale = validate._PREPARED["context"]
    outcome, _ = validate._gx_validate(copy, suites, docs)
    assert outcome[("positions", "leverage_between_1_and_venue_cap")][0] is True
    assert not stale.validation_definitions.all() and not validate._PREPARED
    # prepared for the same settings: used (its context ran the validations), then dropped
    validate._prepare_gate(root, {}, docs)
    prepared = validate._PREPARED["context"]
    again, index = validate._gx_validate(copy, suites, docs)
    assert again == outcome and index == str(docs / "index.html")
    assert len(prepared.validation_definitions.all()) == len(
        {(s, c.asset) for s, checks in suites.items() for c in checks})
    assert not validate._PREPARED


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None and os.environ.get("CI") != "true",
                    reason="headless Chromium not installed (make system-deps)")
def test_data_docs_render_in_headless_chromium_with_no_network(published_sample_build):
    """Every request outside the file system goes to a dead proxy: the index's tables are still
    built by bootstrap-table (jQuery and bootstrap-table load from the site's static/vendor)."""
    chromium = _chromium()
    assert chromium, "CI must have headless Chromium: `make system-deps` installs it"
    index = published_sample_build[1].data_docs_index
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
         "--virtual-time-budget=5000", "--dump-dom", index.as_uri()],
        capture_output=True, text=True, timeout=120, check=True).stdout
    assert 'class="bootstrap-table bootstrap4"' in dom  # added by bootstrap-table's JS
    assert "fa-check-circle" in dom
