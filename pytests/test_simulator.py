"""The simulator: determinism, the mechanism, scale, and the calibration targets."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from house_edge import calibration, simulator
from house_edge.cli import DEFAULT_SCALE, DEFAULT_SEED
from pytests.conftest import SAMPLE


def test_regenerating_the_sample_with_the_same_seed_is_byte_identical(tmp_path):
    result = simulator.simulate(scale=DEFAULT_SCALE, seed=DEFAULT_SEED)
    written = simulator.write(result, tmp_path)
    for path in written.values():
        committed = SAMPLE / path.name
        assert path.read_bytes() == committed.read_bytes(), f"{path.name} differs from the sample"


def test_streaming_in_small_chunks_writes_the_committed_sample_byte_for_byte(tmp_path):
    """simulate_to hands positions to the files every chunk_rows positions and fills every
    chunk_rows // 4 crossed positions (whole minutes): with chunks far smaller than the sample
    (1,000 rows, so every table spans many), no byte may change and the counts are the files'."""
    written = simulator.simulate_to(tmp_path, scale=DEFAULT_SCALE, seed=DEFAULT_SEED,
                                    chunk_rows=1000)
    assert written.rows["positions"] > 10 * 1000  # the chunking is exercised
    for key, path in written.paths.items():
        assert path.read_bytes() == (SAMPLE / path.name).read_bytes(), f"{path.name} differs"
        assert written.rows[key] == path.read_text().count("\n") - 1  # minus the header


def test_streamed_parquet_holds_the_rows_and_types_of_the_in_memory_result(tmp_path):
    streamed = simulator.simulate_to(tmp_path / "streamed", scale=0.001, seed=DEFAULT_SEED,
                                     fmt="parquet", chunk_rows=500)
    whole = simulator.write(simulator.simulate(scale=0.001, seed=DEFAULT_SEED),
                            tmp_path / "whole", fmt="parquet")
    assert set(streamed.paths) == set(whole) == set(simulator.TABLES)
    for key, path in whole.items():
        a, b = pq.read_table(streamed.paths[key]), pq.read_table(path)
        assert a.schema.equals(b.schema, check_metadata=True), key
        assert a.equals(b), f"{key}: rows, values or order differ"
        assert a.num_rows == streamed.rows[key]


def test_a_failed_run_leaves_no_partial_file(tmp_path):
    def fail(done, total):
        if done == 600:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        simulator.simulate_to(tmp_path, scale=0.001, seed=DEFAULT_SEED, fmt="parquet",
                              chunk_rows=500, progress=fail)
    assert list(tmp_path.iterdir()) == []


def test_a_different_seed_gives_a_different_sample():
    a = simulator.simulate(scale=0.001, seed=1)
    b = simulator.simulate(scale=0.001, seed=2)
    assert not a.liquidations["liquidated_at_ms"].equals(b.liquidations["liquidated_at_ms"])


def test_committed_sample_meets_every_calibration_target(committed_sample):
    measures = calibration.measure(committed_sample)
    assert calibration.check(measures) == []


def test_calibration_check_reports_a_missed_target(committed_sample):
    measures = calibration.measure(committed_sample)
    measures.peak_minute = "22:40"
    measures.feed_usd_by_venue = {**measures.feed_usd_by_venue, "okx": 5e9}
    # the figures before per-asset weights and venue depths were calibrated
    measures.feed_usd_by_symbol = {**measures.feed_usd_by_symbol, "HYPE": 3.26e9}
    measures.btc_low_by_venue = {**measures.btc_low_by_venue, "hyperliquid": 98_941.5}
    problems = calibration.check(measures)
    assert any("peak minute 22:40" in p for p in problems)
    assert any(p.startswith("okx:") for p in problems)
    assert any(p.startswith("HYPE:") for p in problems)
    assert any(p.startswith("hyperliquid BTC low 98,941.5") for p in problems)
    assert len(problems) == 4  # nothing else is flagged


def test_every_venue_and_asset_target_is_measured(committed_sample):
    """check() can only hold a target it measures: every published asset and every venue's
    BTC low must be present (a missing one would be reported, not skipped)."""
    measures = calibration.measure(committed_sample)
    assert set(calibration.PUBLISHED_BY_SYMBOL) <= set(measures.feed_usd_by_symbol)
    assert set(measures.btc_low_by_venue) == set(simulator.VENUES)
    measures.btc_low_by_venue = {}
    assert len([p for p in calibration.check(measures) if "BTC low nan" in p]) == 4


def test_every_long_fill_sits_inside_its_bar_and_below_its_liquidation_trigger(committed_sample):
    liq = committed_sample.liquidations.copy()
    bars = committed_sample.price_bars
    liq["open_time_ms"] = liq["liquidated_at_ms"] // 60_000 * 60_000
    joined = liq.merge(bars, on=["venue", "symbol", "open_time_ms"], how="left",
                       validate="many_to_one")
    assert joined["low"].notna().all()
    assert (joined["price"] >= joined["low"] - 1e-9).all()
    assert (joined["price"] <= joined["high"] + 1e-9).all()


def test_fills_sum_to_their_position_quantity(committed_sample):
    liq = committed_sample.liquidations
    pos = committed_sample.positions.set_index("position_id")
    filled = liq.groupby("position_id")["quantity"].sum()
    np.testing.assert_allclose(filled.to_numpy(), pos.loc[filled.index, "quantity"].to_numpy(),
                               rtol=1e-6)


def test_every_liquidated_long_was_crossed_by_the_price_path_first(committed_sample):
    """Causality: a long is liquidated only after the lowest trade price so far has reached
    its liquidation price (the trigger is a mark that discounts wicks, so the trade low is
    at or below it). Small slack for prices rounded to the tick when written. Accounts on
    depegging collateral liquidated whole inside the depeg window are the exception, triggered by
    their equity, not their price (test_collateral_depeg.py holds them to the window)."""
    liq = committed_sample.liquidations
    pos = committed_sample.positions.set_index("position_id")
    first = liq[liq["side"] == "long"].groupby("position_id")["liquidated_at_ms"].min()
    minute = (first - simulator.WINDOW_START_MS) // 60_000
    in_window = ((minute >= min(d[1] for d in simulator.COLLATERAL_DEPEGS))
                 & (minute < max(d[3] for d in simulator.COLLATERAL_DEPEGS)))
    on_depeg = pos.loc[first.index, "account_id"].isin(
        committed_sample.account_collateral["account_id"]).to_numpy()
    first = first[~(in_window.to_numpy() & on_depeg)]
    p = pos.loc[first.index]
    price, _ = simulator.liquidation_prices(
        np.ones(len(p), bool), p["entry_price"].to_numpy(), p["quantity"].to_numpy(),
        p["leverage"].to_numpy(), p["maintenance_margin_rate"].to_numpy(),
        p["maintenance_amount_usd"].to_numpy())
    bars = committed_sample.price_bars.sort_values(["venue", "symbol", "open_time_ms"]).copy()
    bars["lowest_so_far"] = bars.groupby(["venue", "symbol"])["low"].cummin()
    lowest = bars.set_index(["venue", "symbol", "open_time_ms"])["lowest_so_far"]
    keys = list(zip(p["venue"], p["symbol"], first.to_numpy() // 60_000 * 60_000, strict=True))
    assert (lowest.loc[keys].to_numpy() <= price * 1.001).all()


def test_scale_changes_counts_not_totals():
    small = calibration.measure(simulator.simulate(scale=0.002, seed=DEFAULT_SEED))
    default = calibration.measure(simulator.simulate(scale=DEFAULT_SCALE, seed=DEFAULT_SEED))
    assert default.liquidation_count > 2 * small.liquidation_count
    assert small.feed_total_usd == pytest.approx(default.feed_total_usd, rel=0.2)
    # the public-feed emulation estimates real fill rates, so the undercount does not drift
    assert small.binance_undercount == pytest.approx(default.binance_undercount, rel=0.25)


@pytest.mark.parametrize(
    ("is_long", "expected_liq", "expected_bankrupt"),
    [
        # Q=1, E=100, L=10 -> M=10; m=0.01, c=0: long (100-10)/(0.99); short (110)/(1.01)
        (True, 90.0 / 0.99, 90.0),
        (False, 110.0 / 1.01, 110.0),
    ],
)
def test_liquidation_and_bankruptcy_prices_follow_the_isolated_margin_formula(
        is_long, expected_liq, expected_bankrupt):
    liq, bankrupt = simulator.liquidation_prices(
        np.array([is_long]), np.array([100.0]), np.array([1.0]), np.array([10.0]),
        np.array([0.01]), np.array([0.0]))
    assert liq[0] == pytest.approx(expected_liq)
    assert bankrupt[0] == pytest.approx(expected_bankrupt)


def test_maintenance_amount_lowers_a_longs_liquidation_price():
    without, _ = simulator.liquidation_prices(np.array([True]), np.array([100.0]),
                                             np.array([1.0]), np.array([10.0]),
                                             np.array([0.01]), np.array([0.0]))
    with_amount, _ = simulator.liquidation_prices(np.array([True]), np.array([100.0]),
                                                 np.array([1.0]), np.array([10.0]),
                                                 np.array([0.01]), np.array([0.5]))
    assert with_amount[0] < without[0]  # c is subtracted: (QE - M - c) / (Q(1-m))
