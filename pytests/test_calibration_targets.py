"""The fund-ledger calibration: fill placement in the liquidity vacuum, measured through the
warehouse's own revenue model (int_liquidation_fills_revenue, built with dbt), never through a
re-implementation of its fee formulas. Each dbt build costs ~10 s."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from house_edge import calibration, simulator
from house_edge.cli import DEFAULT_SEED
from pytests.conftest import SAMPLE


@pytest.fixture(scope="module")
def committed_sample_fund_flow(tmp_path_factory) -> float:
    """Binance's BTC/ETH/BNB fund flow (central scenario) of the committed sample, one build."""
    return calibration.binance_fund_flow(SAMPLE, tmp_path_factory.mktemp("fund_flow_sample"))


def test_placement_draw_has_the_documented_mean_and_moves_every_fill_toward_the_extreme():
    u = (np.arange(200_000) + 0.5) / 200_000  # an even grid: the draw's mean without noise
    near, far = simulator._placement(u, 0.2), simulator._placement(u, 0.7)
    assert near.mean() == pytest.approx(0.2, abs=1e-3)
    assert far.mean() == pytest.approx(0.7, abs=1e-3)
    assert (far >= near).all() and (far > near).mean() > 0.99
    with pytest.raises(ValueError):
        simulator._placement(u, 1.0)


def test_moving_fill_placement_toward_the_extreme_makes_binances_fund_flow_more_negative(
        tmp_path):
    """Two small simulations that differ only in the market-order venues' placement: fills
    further into the vacuum leave less margin for the clearance fee and land beyond more
    bankruptcy prices, so the fund's flow must fall (by more than noise: tens of millions)."""
    cal = simulator.Calibration.load()
    near = calibration.fund_flow_at(cal, 0.1, 0.001, DEFAULT_SEED, tmp_path / "near")
    far = calibration.fund_flow_at(cal, 0.9, 0.001, DEFAULT_SEED, tmp_path / "far")
    assert far < near - 20e6, (near, far)


def test_committed_sample_fund_flow_is_the_one_recorded_in_the_calibration(
        committed_sample_fund_flow):
    """calibration.json records the fund flow measured at its central placement; the committed
    sample must be the simulation that produced it (sample and calibration agree)."""
    cal = simulator.Calibration.load()
    assert cal.binance_fund_flow_usd["central"] == pytest.approx(committed_sample_fund_flow,
                                                                 rel=1e-6)
    assert (cal.binance_fund_flow_usd["high"] < cal.binance_fund_flow_usd["central"]
            < cal.binance_fund_flow_usd["low"])


@pytest.mark.xfail(strict=True, reason=(
    "with the collateral depegs (USDe/wBETH/BNSOL, whole-account liquidation) and Binance's "
    "undercount at the external anchor (7.6x), the central flow is -151.5 M (fill placement at "
    "its 0.95 bound: clearance fees +7.4 M, payouts beyond bankruptcy -159 M, of which -126 M "
    "on cross-margin positions) against the published -184..-188 M; the published-basis range "
    "reaches -178 M. The likely rest, multi-position cross-margin accounts whose altcoin losses "
    "drain the equity behind their BTC/ETH/BNB positions, is not simulated (one position per "
    "account; a cross position's backing equity is fixed at opening), and no published figure "
    "sizes it (share of such accounts, their altcoin exposure): a parameter set only by this "
    "target would make it circular. issue 15 follow-up. strict: this starts failing when the "
    "gap is closed."))
def test_committed_sample_fund_flow_is_inside_the_published_range(committed_sample_fund_flow):
    assert calibration.check_fund_flow(committed_sample_fund_flow) == []


def test_fund_flow_check_reports_a_miss_and_accepts_the_published_range():
    assert calibration.check_fund_flow(-186e6) == []
    assert calibration.check_fund_flow(-150e6) != []
    assert calibration.check_fund_flow(-190e6) != []


def test_committed_sample_undercount_sits_inside_the_external_anchor(committed_sample):
    """The simulator's Binance full-to-feed ratio against the warehouse's external anchor
    (int_public_feed_undercount: CoinGlass's true total 30-40 bn with the whole gap on Binance's
    sampled feed = 5.5-9.7x, central 7.6x). Before issue 15 the simulator aimed at 5x, outside
    it."""
    m = calibration.measure(committed_sample)
    counted = calibration.AIM_TOTAL - 2.4e9  # the counted total less Binance's 2.4 bn
    low, high = ((t - counted) / 2.4e9 for t in (30e9, 40e9))
    assert low <= m.binance_undercount <= high, (low, m.binance_undercount, high)
    assert m.binance_undercount == pytest.approx(calibration.AIM_BINANCE_UNDERCOUNT, rel=0.2)


def test_hyperliquid_replay_constant_is_the_real_files_sum(root):
    """The window target is the real per-ticker file's liquidated notional, not a typed number."""
    real = pd.read_csv(root / "data/real/hyperliquid/oct10_combined_impact_by_ticker.csv")
    assert real["liq_notional"].sum() == pytest.approx(
        calibration.HYPERLIQUID_REPLAY_LIQUIDATED_USD, rel=1e-9)
    assert int(real["liq_events"].sum()) == 63_637


def test_committed_sample_hyperliquid_matches_the_onchain_replay_window(committed_sample):
    """Hyperliquid's on-chain replay (ConejoCapital/HyperMultiAssetedADL) covers only
    21:15:00-21:27:00 UTC: its extractor drops every fill outside that window, so its "first
    liquidation at 21:15:03" is the window's first, not the cascade's (CoinGlass's 10.3 bn that
    day is nearly twice the window's 5.51 bn, and BTC had fallen 6.8% by 21:13). The target the
    replay supports: the simulated notional inside the window within ±10% of the replay's, and
    the rest of the day within CoinGlass's total less the window (4.79 ± 1.03 bn)."""
    assert calibration.check_hyperliquid_replay(committed_sample) == []


def test_hyperliquid_replay_check_reports_a_cascade_outside_the_window(committed_sample):
    """The same sample with every Hyperliquid fill moved 30 minutes later (inside the window
    becomes 21:45-21:57): the check must report both misses."""
    moved = committed_sample.liquidations.copy()
    hl = moved["venue"] == "hyperliquid"
    moved.loc[hl, "liquidated_at_ms"] += 30 * 60_000
    result = dataclasses.replace(committed_sample, liquidations=moved)
    problems = calibration.check_hyperliquid_replay(result)
    assert len(problems) == 2, problems


def test_committed_sample_hyperliquid_cascade_starts_before_the_replay_window(committed_sample):
    """Hyperliquid liquidated before 21:15 (see above): the simulated cascade's first fill after
    the 20:50 shock must come before the replay window opens."""
    first = calibration.hyperliquid_cascade_first_fill_ms(committed_sample)
    assert calibration.SHOCK_MS <= first < calibration.HYPERLIQUID_REPLAY_WINDOW_MS[0]
