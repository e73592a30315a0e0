"""The long-tail symbol bucket ALTS (simulator switch Calibration.long_tail, seed
long_tail_lows): the simulator's constants are the seed's published lows, the switch adds the
bucket and nothing else when off, Binance's wick prints the published low in one minute's low
only, the other venues' lows sit in the published range, and the committed sample meets the
residual targets (calibration.check_long_tail)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from house_edge import calibration, simulator
from house_edge.cli import DEFAULT_SEED
from pytests.conftest import ROOT

TAIL = simulator.LONG_TAIL_SYMBOL


def _spec() -> simulator.SymbolSpec:
    return next(s for s in simulator.SYMBOLS if s.symbol == TAIL)


def test_simulator_long_tail_constants_are_the_seed_rows():
    seed = pd.read_csv(ROOT / "seeds" / "reference" / "long_tail_lows.csv")
    assert set(seed["symbol"]) == {TAIL} == {calibration.LONG_TAIL_SYMBOL}
    assert set(seed["venue"]) == set(simulator.VENUES)
    rows = {r.venue: r for r in seed.itertuples()}
    wick = rows[simulator.LONG_TAIL_WICK_VENUE]
    assert wick.low_price == simulator.LONG_TAIL_WICK_LOW
    assert wick.low_price / wick.price_before_shock == pytest.approx(
        simulator.LONG_TAIL_WICK_LOW_RATIO)
    assert 1 - wick.decline_central == pytest.approx(simulator.LONG_TAIL_WICK_LOW_RATIO)
    t = pd.Timestamp(wick.low_at, tz="UTC")
    assert (t.value // 1_000_000 - simulator.WINDOW_START_MS) // 60_000 == \
        simulator.LONG_TAIL_WICK_MINUTE
    assert (seed["price_before_shock"] == _spec().price_before_shock).all()
    for venue, r in rows.items():
        if venue == simulator.LONG_TAIL_WICK_VENUE:
            continue
        assert (r.decline_low, r.decline_high) == calibration.LONG_TAIL_DECLINE
        assert r.decline_low <= r.decline_central <= r.decline_high


def test_symbols_seed_lists_the_bucket_exactly_when_the_switch_is_on():
    """dim_symbols lists the symbols seed and the publish gate holds each listed symbol to have
    liquidations; every simulated fill's symbol must be listed (relationships test): so the
    seed lists ALTS exactly when the committed calibration simulates it."""
    symbols = set(pd.read_csv(ROOT / "seeds" / "reference" / "symbols.csv")["symbol"])
    simulated = {s.symbol for s in simulator.SYMBOLS
                 if s.symbol != TAIL or simulator.Calibration.load().long_tail}
    assert symbols == simulated


@pytest.fixture(scope="module")
def on_off():
    cal = dataclasses.replace(simulator.Calibration.load(), long_tail=True)
    on = simulator.simulate(scale=0.002, seed=DEFAULT_SEED, calibration=cal)
    off = simulator.simulate(scale=0.002, seed=DEFAULT_SEED,
                             calibration=dataclasses.replace(cal, long_tail=False))
    return on, off


def test_switch_off_simulates_no_bucket(on_off):
    on, off = on_off
    for frame in (off.price_bars, off.positions, off.liquidations):
        assert TAIL not in set(frame["symbol"])
    for frame in (on.price_bars, on.positions, on.liquidations):
        assert TAIL in set(frame["symbol"])
    # the other symbols keep every bar's minute either way
    assert len(on.price_bars) - len(off.price_bars) == len(simulator.VENUES) * simulator.MINUTES


def test_binance_wick_prints_the_published_low_in_one_minute_and_closes_above_it(on_off):
    on, _ = on_off
    bars = on.price_bars[(on.price_bars["symbol"] == TAIL)
                         & (on.price_bars["venue"] == simulator.LONG_TAIL_WICK_VENUE)]
    at_low = bars[bars["low"] == simulator.LONG_TAIL_WICK_LOW]
    wick_ms = simulator.WINDOW_START_MS + simulator.LONG_TAIL_WICK_MINUTE * 60_000
    assert list(at_low["open_time_ms"]) == [wick_ms]
    assert bars["low"].min() == simulator.LONG_TAIL_WICK_LOW
    assert at_low["close"].iloc[0] > 100 * simulator.LONG_TAIL_WICK_LOW
    # fills never below the low, and some land near it (the liquidity vacuum)
    fills = on.liquidations[(on.liquidations["symbol"] == TAIL)
                            & (on.liquidations["venue"] == simulator.LONG_TAIL_WICK_VENUE)]
    assert fills["price"].min() >= simulator.LONG_TAIL_WICK_LOW
    assert (fills["price"] < 0.1 * _spec().price_before_shock).any()


def test_other_venues_lows_sit_in_the_published_range(on_off):
    ratios = calibration.long_tail_low_ratios(on_off[0].price_bars)
    assert set(ratios) == set(simulator.VENUES)
    lo, hi = calibration.LONG_TAIL_DECLINE
    for venue, ratio in ratios.items():
        if venue != simulator.LONG_TAIL_WICK_VENUE:
            assert lo <= 1 - ratio <= hi, venue


def test_long_tail_check_reports_a_bucket_off_its_share(committed_sample):
    m = calibration.measure(committed_sample)
    if not m.long_tail_low_ratio_by_venue:
        assert calibration.check_long_tail(m, 0.8)  # no bucket: reported
        return
    assert any(TAIL in p for p in calibration.check_long_tail(m, 0.2))
    assert any("residual" in p for p in calibration.check_long_tail(
        dataclasses.replace(m, feed_usd_by_symbol={**m.feed_usd_by_symbol, TAIL: 0.0}), 0.8))


def test_committed_sample_meets_the_long_tail_targets_when_the_switch_is_on(committed_sample):
    """With the switch on, the sample's DOGE + BNB + ADA + ALTS is the residual of CoinGlass's
    per-asset totals (±15%), ALTS its assumed share, and its lows the published ones; with the
    switch off (calibration.json), the sample holds no bucket."""
    cal = simulator.Calibration.load()
    m = calibration.measure(committed_sample)
    if cal.long_tail:
        assert calibration.check_long_tail(m, cal.long_tail_residual_share) == []
        lo, hi = cal.long_tail_residual_share_range
        assert lo <= cal.long_tail_residual_share <= hi
    else:
        assert TAIL not in set(committed_sample.liquidations["symbol"])
        assert TAIL not in set(committed_sample.price_bars["symbol"])


_NAMED = ("BTC", "ETH", "SOL", "HYPE", "XRP")
_BOOK_COLUMNS = ["venue", "symbol", "side", "entry_price", "quantity", "leverage",
                 "margin_mode", "opened_at_ms"]


def _named_book(frame: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in _BOOK_COLUMNS if c in frame.columns]
    named = frame[frame["symbol"].isin(_NAMED)][cols]
    return named.sort_values(cols).reset_index(drop=True)


def test_held_books_draw_the_five_named_symbols_as_without_the_bucket():
    """calibration.hold_named_books (the long-tail fit that sizes ALTS and DOGE / BNB / ADA to
    the residual): the bucket on, ALTS weighted in, DOGE / BNB / ADA shrunk and ALTS's venue
    factors set, the five published assets keep every position (same counts, sizes, entries)
    and every price bar of the run without the bucket; without the held books the shrink moves
    their notionals."""
    base = simulator.Calibration.load()
    if base.long_tail:
        base = dataclasses.replace(base, long_tail=False)
    weight = dict(base.symbol_book_weight, ALTS=0.2)
    for s in calibration.RESIDUAL_SYMBOLS:
        weight[s] *= 0.3
    sized = dataclasses.replace(base, long_tail=True, symbol_book_weight=weight,
                                long_tail_weight_by_venue={"hyperliquid": 0.8, "bybit": 1.3})
    held = calibration.hold_named_books(base, sized)
    off = simulator.simulate(scale=0.002, seed=DEFAULT_SEED, calibration=base)
    on = simulator.simulate(scale=0.002, seed=DEFAULT_SEED, calibration=held)
    assert TAIL in set(on.positions["symbol"])
    pd.testing.assert_frame_equal(_named_book(on.positions), _named_book(off.positions))
    bars = ["venue", "symbol", "open_time_ms", "open", "high", "low", "close"]
    pd.testing.assert_frame_equal(
        on.price_bars[on.price_bars["symbol"].isin(_NAMED)][bars].reset_index(drop=True),
        off.price_bars[off.price_bars["symbol"].isin(_NAMED)][bars].reset_index(drop=True))
    loose = simulator.simulate(scale=0.002, seed=DEFAULT_SEED, calibration=sized)
    assert not _named_book(loose.positions).equals(_named_book(off.positions))


def test_held_books_refuse_a_moved_named_weight():
    base = simulator.Calibration.load()
    moved = dataclasses.replace(base, symbol_book_weight=dict(
        base.symbol_book_weight, BTC=base.symbol_book_weight["BTC"] * 1.1))
    with pytest.raises(ValueError, match="BTC"):
        calibration.hold_named_books(base, moved)
