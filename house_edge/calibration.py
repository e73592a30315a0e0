"""Calibration of the simulator against the published aggregates of 10 Oct 2025.

Targets come from ../shared/domain/event-facts.md (CoinGlass 24 h totals by exchange, Amberdata's
timing, Binance BTCUSDT minutes). "Published" means *as the venues' public feeds show it*: for
Binance only the fills its one-per-symbol-per-second snapshot stream would have pushed.

``calibrate()`` tunes the free parameters of :class:`Calibration` by damped fixed-point updates
and writes ``house_edge/calibration.json``; ``measure()`` computes the same figures from any
simulation result and is what the calibration test checks on the committed sample.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from house_edge.simulator import (
    ADL_VENUE,
    ADL_WINDOW_MS,
    COLLATERAL_DEPEGS,
    WINDOW_START_MS,
    Calibration,
    SimulationResult,
    simulate,
)

# Published figures (USD) and tolerances; sources in event-facts.md section 1a / 1 / 2.
PUBLISHED_BY_VENUE = {"hyperliquid": 10.3e9, "bybit": 4.65e9, "binance": 2.4e9, "okx": 1.2e9}
VENUE_TOLERANCE = 0.10
TOTAL_RANGE = (19.1e9, 19.4e9)
LONG_SHARE_RANGE = (0.83, 0.91)
PEAK_MINUTE = "21:15"
PEAK_TOLERANCE_MINUTES = 2
WATERFALL = ("20:50", "21:30")
BTC_LOW = 101_516.5  # Binance BTCUSDT 1m low at 21:20 (real file)
BTC_LOW_TOLERANCE = 0.02
# Every venue's BTC low: "~101,500 - 102,000 on some exchanges" (igcurrencynews, AInvest,
# Cointelegraph; binance.bh 30899838354146: 101,516), aggregated feeds higher (104.5-106.5k);
# no published venue printed far below Binance (event-facts.md section 2). No venue-specific
# published low was found for Bybit, OKX or Hyperliquid, so each is held to Binance's.
BTC_LOW_BY_VENUE = {"binance": BTC_LOW, "bybit": BTC_LOW, "okx": BTC_LOW, "hyperliquid": BTC_LOW}
# CoinGlass 24 h liquidations per asset, all venues (seeds/reference/published_aggregates.csv:
# binance.bh square 30899838354146 / 30874039802081; coinfeather.com news/12248).
PUBLISHED_BY_SYMBOL = {"BTC": 5.36e9, "ETH": 4.42e9, "SOL": 2.0e9, "HYPE": 0.89e9,
                       "XRP": 0.7075e9}
SYMBOL_TOLERANCE = 0.15
# The simulated symbols without a published per-asset figure carry the rest of the total, the
# residual: DOGE, BNB, ADA and the long-tail bucket ALTS (simulator switch long_tail), which
# stands for Binance's ~200 other USD-M contracts. How the residual splits between the three
# and the bucket is not published: ASSUMPTION Calibration.long_tail_residual_share (central 0.8,
# range 0.6-0.95; README), the bucket sized to that share of the residual.
RESIDUAL_SYMBOLS = ("DOGE", "BNB", "ADA")
LONG_TAIL_SYMBOL = "ALTS"
# The long tail's declines off Binance (price before the shock -> low): ATOM / IOTX / ENJ on other
# exchanges -53% / -46% / -64.5%, no zero prints (Cointelegraph via maincoin.money; binance.bh
# 30920219984778; seeds/reference/long_tail_lows.csv). Each non-Binance venue's ALTS low is held
# inside that range; Binance's is the wick's published low (ATOM 4 -> 0.001).
LONG_TAIL_DECLINE = (0.46, 0.645)
LONG_TAIL_AIM_DECLINE = 0.53  # ATOM's, the fit's aim (Calibration.long_tail_shock_multiplier)
# Collateral liquidated on Binance's depegged collateral, 21:36-22:16 UTC (Cointelegraph Research /
# Rena Labs, event-facts.md section 1b: USDe ~346 M, wBETH 169 M, bnSOL 77 M). Read as the
# collateral's value at par, not the positions' notional: at the published lows that collateral
# loses 346 x 0.34 + 169 x 0.89 + 77 x 0.80 = ~331 M, the size of Binance's ~283 M depeg
# compensation (paid on the gap between the liquidation price and the 00:00 price, section 3b).
PUBLISHED_DEPEG_COLLATERAL = {"USDE": 346e6, "WBETH": 169e6, "BNSOL": 77e6}
DEPEG_COLLATERAL_TOLERANCE = 0.25
# ASSUMPTION: at most this share of Binance's cross-margin accounts holds one depegging asset.
# USDe's shallower depeg (0.66) liquidates only the thin accounts still open at 21:36, so its
# target is out of reach of the simulated book below this bound (reported, see check()).
MAX_DEPEG_COLLATERAL_SHARE = 0.25
BTC_HIGH_BEFORE_SHOCK = 122_500.0  # "Binance BTC ~122.5k before the shock" (day high 122,574)
BTC_HIGH_TOLERANCE = 0.01

# What the calibration aims at inside those ranges: the venue totals are raised pro rata so the
# sum sits in the middle of the published 19.1-19.4 bn (the four venues' rounded figures sum to
# only 18.55 bn), a long share of 87%, and a Binance full-to-feed ratio of 7.6x: the warehouse's
# external anchor (int_public_feed_undercount) at its central value, CoinGlass's remark that the
# true size "may have been 30-40 bn" (event-facts.md section 1) taken at 35 bn with the whole gap
# on Binance's sampled feed: (35 - 16.85) / 2.4 = 7.6 (30 / 40 bn give 5.5 / 9.7). Until issue 15
# the aim was 5x, below the anchor's whole range.
AIM_TOTAL = 19.25e9
AIM_LONG_SHARE = 0.87
AIM_BINANCE_UNDERCOUNT = 7.6
# The residual symbols carry the aimed total minus the five published assets (5.87 of 19.25 bn);
# the calibration target holds DOGE + BNB + ADA + ALTS within SYMBOL_TOLERANCE of it.
AIM_RESIDUAL = AIM_TOTAL - sum(PUBLISHED_BY_SYMBOL.values())
# The fit stops only when every asset is within half its tolerance, so the committed sample
# does not sit on the edge of a target.
AIM_SYMBOL_TOLERANCE = SYMBOL_TOLERANCE / 2


@dataclass
class Measures:
    feed_usd_by_venue: dict[str, float]
    full_usd_by_venue: dict[str, float]
    feed_usd_by_symbol: dict[str, float]
    btc_low_by_venue: dict[str, float]
    feed_total_usd: float
    long_share: float
    peak_minute: str
    waterfall_share: float
    btc_binance_low: float
    btc_binance_low_minute: str
    btc_binance_high_before_shock: float
    liquidation_count: int
    position_count: int
    # the long-tail bucket's low / its close at 20:49 per venue (empty without the bucket)
    long_tail_low_ratio_by_venue: dict[str, float] = field(default_factory=dict)
    # collateral (at par) of the accounts liquidated in their asset's depeg window, by asset
    depeg_collateral_usd: dict[str, float] = field(default_factory=dict)

    @property
    def binance_undercount(self) -> float:
        return self.full_usd_by_venue["binance"] / self.feed_usd_by_venue["binance"]


def _hhmm(ms: pd.Series | np.ndarray) -> np.ndarray:
    return pd.to_datetime(np.asarray(ms), unit="ms", utc=True).strftime("%H:%M").to_numpy()


def measure(result: SimulationResult) -> Measures:
    """The calibration figures of one simulation result (public-feed view unless said)."""
    liq = result.liquidations
    notional = liq["quantity"].to_numpy() * liq["price"].to_numpy()
    shown = liq["is_shown_in_public_feed"].to_numpy(dtype=bool)
    venue = liq["venue"].to_numpy()
    feed = pd.Series(notional[shown]).groupby(venue[shown]).sum().to_dict()
    full = pd.Series(notional).groupby(venue).sum().to_dict()
    minute = _hhmm(liq["liquidated_at_ms"])
    per_minute = pd.Series(notional[shown]).groupby(minute[shown]).sum()
    in_fall = (minute >= WATERFALL[0]) & (minute < WATERFALL[1]) & shown
    is_long = (liq["side"].to_numpy() == "long") & shown
    bars = result.price_bars
    btc = bars[(bars["venue"] == "binance") & (bars["symbol"] == "BTC")]
    by_symbol = pd.Series(notional[shown]).groupby(liq["symbol"].to_numpy()[shown]).sum()
    btc_lows = bars[bars["symbol"] == "BTC"].groupby("venue")["low"].min()
    btc_minute = _hhmm(btc["open_time_ms"])
    low_idx = int(np.argmin(btc["low"].to_numpy()))
    return Measures(
        feed_usd_by_venue={k: float(v) for k, v in feed.items()},
        full_usd_by_venue={k: float(v) for k, v in full.items()},
        feed_usd_by_symbol={str(k): float(v) for k, v in by_symbol.items()},
        btc_low_by_venue={str(k): float(v) for k, v in btc_lows.items()},
        feed_total_usd=float(notional[shown].sum()),
        long_share=float(notional[is_long].sum() / notional[shown].sum()),
        peak_minute=str(per_minute.idxmax()),
        waterfall_share=float(notional[in_fall].sum() / notional[shown].sum()),
        btc_binance_low=float(btc["low"].to_numpy()[low_idx]),
        btc_binance_low_minute=str(btc_minute[low_idx]),
        btc_binance_high_before_shock=float(btc["high"].to_numpy()[btc_minute < "14:57"].max()),
        liquidation_count=len(liq),
        position_count=len(result.positions),
        depeg_collateral_usd=depeg_collateral_liquidated(result),
        long_tail_low_ratio_by_venue=long_tail_low_ratios(bars),
    )


def long_tail_low_ratios(bars: pd.DataFrame) -> dict[str, float]:
    """Per venue, the long-tail bucket's lowest 1m low / its 20:49 close (the price before the
    shock); empty when the bucket is not simulated."""
    tail = bars[bars["symbol"] == LONG_TAIL_SYMBOL]
    before = tail[tail["open_time_ms"] == SHOCK_MS - 60_000].set_index("venue")["close"]
    return {str(v): float(tail.loc[tail["venue"] == v, "low"].min() / before[v])
            for v in before.index}


def residual_usd(m: Measures) -> tuple[float, float]:
    """(DOGE + BNB + ADA + the long tail, the long tail alone) on the public feeds, USD."""
    tail = m.feed_usd_by_symbol.get(LONG_TAIL_SYMBOL, 0.0)
    return sum(m.feed_usd_by_symbol.get(s, 0.0) for s in RESIDUAL_SYMBOLS) + tail, tail


def check_long_tail(m: Measures, share: float) -> list[str]:
    """The long-tail targets (empty = met): the residual symbols together within
    SYMBOL_TOLERANCE of the residual of CoinGlass's per-asset totals; the bucket within
    SYMBOL_TOLERANCE of ``share`` of it (the assumption's central value); its low inside the
    published range off Binance and at the published wick on Binance."""
    from house_edge.simulator import LONG_TAIL_WICK_LOW_RATIO

    problems = []
    total, tail = residual_usd(m)
    if abs(total / AIM_RESIDUAL - 1) > SYMBOL_TOLERANCE:
        problems.append(f"DOGE+BNB+ADA+{LONG_TAIL_SYMBOL}: {total / 1e9:.2f} bn vs the residual "
                        f"{AIM_RESIDUAL / 1e9:.2f} bn (±{SYMBOL_TOLERANCE:.0%})")
    if abs(tail / (share * AIM_RESIDUAL) - 1) > SYMBOL_TOLERANCE:
        problems.append(f"{LONG_TAIL_SYMBOL}: {tail / 1e9:.2f} bn vs {share:.0%} of the residual, "
                        f"{share * AIM_RESIDUAL / 1e9:.2f} bn (±{SYMBOL_TOLERANCE:.0%})")
    for venue, ratio in m.long_tail_low_ratio_by_venue.items():
        if venue == "binance":
            # the wick: the published low within a tick's rounding (0.001 on 4.00)
            if abs(ratio / LONG_TAIL_WICK_LOW_RATIO - 1) > 0.01:
                problems.append(f"binance {LONG_TAIL_SYMBOL} low ratio {ratio:.6f}, not the "
                                f"published {LONG_TAIL_WICK_LOW_RATIO:.6f}")
        elif not LONG_TAIL_DECLINE[0] <= 1 - ratio <= LONG_TAIL_DECLINE[1]:
            problems.append(f"{venue} {LONG_TAIL_SYMBOL} decline {1 - ratio:.1%} outside the "
                            f"published {LONG_TAIL_DECLINE[0]:.0%}-{LONG_TAIL_DECLINE[1]:.1%}")
    if not m.long_tail_low_ratio_by_venue:
        problems.append(f"no {LONG_TAIL_SYMBOL} bars (switch long_tail off)")
    return problems


def depeg_collateral_liquidated(result: SimulationResult) -> dict[str, float]:
    """Collateral at par (USD) of the accounts liquidated inside their collateral's depeg window,
    by asset: the share of each account's collateral that its fills liquidated."""
    out = {d[0]: 0.0 for d in COLLATERAL_DEPEGS}
    ac = result.account_collateral
    if ac is None or ac.empty:
        return out
    liq = result.liquidations
    pos = result.positions[["position_id", "account_id", "quantity"]].rename(
        columns={"quantity": "position_quantity"})
    m = liq.merge(pos, on="position_id").merge(ac, on="account_id")
    minute = (m["liquidated_at_ms"].to_numpy() - WINDOW_START_MS) / 60_000
    for asset, start, _, end, _ in COLLATERAL_DEPEGS:
        sel = ((m["collateral_asset"] == asset).to_numpy() & (minute >= start) & (minute < end))
        part = m.loc[sel]
        out[asset] = float((part["collateral_usd"] * part["quantity"]
                            / part["position_quantity"]).sum())
    return out


# Hyperliquid on chain: the node-fill replay of ConejoCapital/HyperMultiAssetedADL
# (/work/shared/data/real/hyperliquid; event-facts.md sections 0 and 4d) covers ONE window,
# 21:15:00-21:27:00 UTC: its extractor (extract_full_12min_adl.py) reads the 21:00 hour's node
# fills and drops every fill with block_time < 21:15:00 or >= 21:27:00, and its timing file's
# "first_liquidation" (21:15:03.127) is the minimum time of that extract (cascade_timing_
# analysis.py): the first liquidation INSIDE the window, not the start of Hyperliquid's cascade.
# Hyperliquid liquidated before 21:15: CoinGlass counts 10.3 bn on Hyperliquid in 24 h (9.297 bn
# in a 4 h window) against 5.51 bn in the replay's 12 minutes, and BTC had already fallen 6.8%
# (Binance BTCUSDT 1m: 117,005.3 open at 20:44, 109,069.0 low at 21:13; the altcoins further,
# "collateral crash triggers the cascade" at 20:50 per Amberdata). What the replay does show is
# held as targets instead: liquidated notional inside the window, the rest of the day outside it.
HYPERLIQUID_REPLAY_WINDOW_MS = (1_760_130_900_000, 1_760_131_620_000)  # 21:15:00 - 21:27:00 UTC
# Sum of liq_notional over the 171 tickers of oct10_combined_impact_by_ticker.csv (63,637 fills;
# BTC 1.79, ETH 1.06, SOL 0.62, HYPE 0.49 bn, the other 167 tickers 28%); held within the venue
# totals' tolerance (VENUE_TOLERANCE).
HYPERLIQUID_REPLAY_LIQUIDATED_USD = 5_511_042_925.05
# Outside the window (before 21:15 and after 21:27), derived: CoinGlass's 24 h Hyperliquid total
# less the replay's window; its tolerance is the 24 h figure's (VENUE_TOLERANCE x 10.3 bn).
HYPERLIQUID_OUTSIDE_REPLAY_USD = (PUBLISHED_BY_VENUE["hyperliquid"]
                                  - HYPERLIQUID_REPLAY_LIQUIDATED_USD)
HYPERLIQUID_OUTSIDE_REPLAY_TOLERANCE_USD = VENUE_TOLERANCE * PUBLISHED_BY_VENUE["hyperliquid"]
# ADL fills on chain, all inside the window: first at 21:16:04.832 (timing file's first_adl),
# last 714 s after the window's first liquidation (~21:26:57), 34,983 fills, 2.103 bn (sum of
# adl_notional in oct10_combined_impact_by_ticker.csv = oct10_realtime_analysis_summary.json's
# total_adl_notional). Simulated by the switch Calibration.hyperliquid_adl (raw_adl_fills): the
# ADL notional is a calibration target met by calibration (hyperliquid_adl_share is set from it,
# see calibrate_adl_share), held within ADL_TOLERANCE; the timing is a check that every
# simulated ADL fill lies inside ADL_WINDOW_MS (simulator) and inside 21:16-21:27. The count is
# NOT a target: a real ADL fill is one profitable counterparty's fill (19,337 users), a simulated
# row is one liquidation fill's ADL'd share, and a simulated fill stands for 1/scale real fills.
HYPERLIQUID_ADL_WINDOW_MS = (1_760_130_964_831, 1_760_131_620_000)  # 21:16:04.831 - 21:27:00
HYPERLIQUID_ADL_USD = 2_103_111_430.86
HYPERLIQUID_ADL_EVENTS = 34_983
ADL_TOLERANCE = VENUE_TOLERANCE
SHOCK_MS = WINDOW_START_MS + (8 * 60 + 50) * 60_000  # 20:50 UTC


def hyperliquid_replay_split_usd(result: SimulationResult) -> tuple[float, float]:
    """Hyperliquid's simulated liquidated notional (every fill: the venue's feed is on chain)
    inside the replay window 21:15:00-21:27:00 and outside it, USD."""
    liq = result.liquidations
    hl = liq[liq["venue"] == "hyperliquid"]
    notional = hl["quantity"].to_numpy() * hl["price"].to_numpy()
    t = hl["liquidated_at_ms"].to_numpy()
    inside = (t >= HYPERLIQUID_REPLAY_WINDOW_MS[0]) & (t < HYPERLIQUID_REPLAY_WINDOW_MS[1])
    return float(notional[inside].sum()), float(notional[~inside].sum())


def check_hyperliquid_replay(result: SimulationResult) -> list[str]:
    """The Hyperliquid targets the on-chain replay supports (empty = met): liquidated notional
    inside 21:15:00-21:27:00 within ±10% of 5.51 bn, and outside it within 4.79 ± 1.03 bn."""
    inside, outside = hyperliquid_replay_split_usd(result)
    problems = []
    if abs(inside / HYPERLIQUID_REPLAY_LIQUIDATED_USD - 1) > VENUE_TOLERANCE:
        problems.append(f"Hyperliquid 21:15-21:27 liquidations {inside / 1e9:.2f} bn vs the "
                        f"replay's {HYPERLIQUID_REPLAY_LIQUIDATED_USD / 1e9:.2f} bn "
                        f"(±{VENUE_TOLERANCE:.0%})")
    if abs(outside - HYPERLIQUID_OUTSIDE_REPLAY_USD) > HYPERLIQUID_OUTSIDE_REPLAY_TOLERANCE_USD:
        problems.append(f"Hyperliquid liquidations outside 21:15-21:27 {outside / 1e9:.2f} bn vs "
                        f"{HYPERLIQUID_OUTSIDE_REPLAY_USD / 1e9:.2f} ± "
                        f"{HYPERLIQUID_OUTSIDE_REPLAY_TOLERANCE_USD / 1e9:.2f} bn")
    return problems


def hyperliquid_adl_window_liquidated_usd(result: SimulationResult) -> float:
    """Hyperliquid's simulated liquidated notional inside the simulator's ADL window (the fills
    a share of which the ADL switch closes by ADL), USD."""
    liq = result.liquidations
    t = liq["liquidated_at_ms"].to_numpy()
    sel = ((liq["venue"] == ADL_VENUE).to_numpy() & (t >= ADL_WINDOW_MS[0])
           & (t < ADL_WINDOW_MS[1]))
    return float((liq["quantity"].to_numpy()[sel] * liq["price"].to_numpy()[sel]).sum())


def calibrate_adl_share(cal: Calibration, result: SimulationResult) -> Calibration:
    """hyperliquid_adl_share from the target, in closed form: the ADL fills are a fixed share of
    the window's liquidation fills and the share moves no other fill (the switch draws nothing),
    so share = 2.103 bn / the window's simulated liquidated notional; the range is the shares at
    the target's ±ADL_TOLERANCE."""
    window = hyperliquid_adl_window_liquidated_usd(result)
    share = HYPERLIQUID_ADL_USD / window
    if not 0.0 < share <= 1.0:
        raise ValueError(f"ADL target {HYPERLIQUID_ADL_USD / 1e9:.2f} bn is not a share of the "
                         f"window's {window / 1e9:.2f} bn of Hyperliquid liquidations")
    return replace(cal, hyperliquid_adl_share=round(share, 6),
                   hyperliquid_adl_share_range=[round(share * (1 - ADL_TOLERANCE), 6),
                                                round(min(share * (1 + ADL_TOLERANCE), 1.0), 6)])


def check_hyperliquid_adl(result: SimulationResult) -> list[str]:
    """The ADL targets (empty = met): notional within ±ADL_TOLERANCE of 2.103 bn (met by
    calibration), every ADL fill inside 21:16:04.831-21:27:00, the first within a minute of the
    real first ADL."""
    adl = result.adl_fills
    if adl is None or len(adl) == 0:
        return ["no ADL fills (switch hyperliquid_adl off, or no raw_adl_fills file)"]
    problems = []
    notional = float((adl["quantity"] * adl["price"]).sum())
    if abs(notional / HYPERLIQUID_ADL_USD - 1) > ADL_TOLERANCE:
        problems.append(f"Hyperliquid ADL {notional / 1e9:.2f} bn vs the replay's "
                        f"{HYPERLIQUID_ADL_USD / 1e9:.2f} bn (±{ADL_TOLERANCE:.0%})")
    t = adl["adl_at_ms"].to_numpy()
    if t.min() < HYPERLIQUID_ADL_WINDOW_MS[0] or t.max() >= HYPERLIQUID_ADL_WINDOW_MS[1]:
        problems.append("Hyperliquid ADL fills outside 21:16:04.831-21:27:00 UTC")
    if t.min() - HYPERLIQUID_ADL_WINDOW_MS[0] > 60_000:
        problems.append("Hyperliquid's first simulated ADL more than a minute after 21:16:04.8")
    return problems


def hyperliquid_cascade_first_fill_ms(result: SimulationResult) -> int:
    """The first Hyperliquid liquidation fill at or after the 20:50 shock (epoch ms)."""
    liq = result.liquidations
    t = liq.loc[(liq["venue"] == "hyperliquid") & (liq["liquidated_at_ms"] >= SHOCK_MS),
                "liquidated_at_ms"]
    return int(t.min())


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def check(m: Measures) -> list[str]:
    """Every calibration target the measures miss, as readable sentences (empty = all met)."""
    problems = []
    for venue, published in PUBLISHED_BY_VENUE.items():
        got = m.feed_usd_by_venue.get(venue, 0.0)
        if abs(got / published - 1) > VENUE_TOLERANCE:
            problems.append(f"{venue}: {got / 1e9:.2f} bn vs published {published / 1e9:.2f} bn "
                            f"(±{VENUE_TOLERANCE:.0%})")
    for symbol, published in PUBLISHED_BY_SYMBOL.items():
        got = m.feed_usd_by_symbol.get(symbol, 0.0)
        if abs(got / published - 1) > SYMBOL_TOLERANCE:
            problems.append(f"{symbol}: {got / 1e9:.2f} bn vs published {published / 1e9:.2f} "
                            f"bn (±{SYMBOL_TOLERANCE:.0%})")
    for venue, published_low in BTC_LOW_BY_VENUE.items():
        got = m.btc_low_by_venue.get(venue, math.nan)
        if not abs(got / published_low - 1) <= BTC_LOW_TOLERANCE:
            problems.append(f"{venue} BTC low {got:,.1f} not within 2% of {published_low:,.1f}")
    if not TOTAL_RANGE[0] <= m.feed_total_usd <= TOTAL_RANGE[1]:
        problems.append(f"total {m.feed_total_usd / 1e9:.2f} bn outside 19.1-19.4 bn")
    if not LONG_SHARE_RANGE[0] <= m.long_share <= LONG_SHARE_RANGE[1]:
        problems.append(f"long share {m.long_share:.3f} outside 0.83-0.91")
    if abs(_minutes(m.peak_minute) - _minutes(PEAK_MINUTE)) > PEAK_TOLERANCE_MINUTES:
        problems.append(f"peak minute {m.peak_minute} not within 21:15 ± 2 min")
    if abs(m.btc_binance_low / BTC_LOW - 1) > BTC_LOW_TOLERANCE:
        problems.append(f"Binance BTC low {m.btc_binance_low:,.1f} not within 2% of 101,516.5")
    if not "21:15" <= m.btc_binance_low_minute <= "21:25":
        problems.append(f"Binance BTC low at {m.btc_binance_low_minute}, not near 21:20")
    if abs(m.btc_binance_high_before_shock / BTC_HIGH_BEFORE_SHOCK - 1) > BTC_HIGH_TOLERANCE:
        problems.append(f"Binance BTC high before 14:57 {m.btc_binance_high_before_shock:,.1f}"
                        " not within 1% of 122,500")
    return problems


# Published depeg targets the simulated book cannot reach within MAX_DEPEG_COLLATERAL_SHARE, with
# the reason; check_depeg_collateral skips them instead of failing (pytests/test_collateral_depeg.py
# holds USDe's between 0 and the published figure).
KNOWN_DEPEG_MISSES = {
    "USDE": "USDe fell to 0.6567 only: an account still open at 21:36 (it survived BTC's 101.5k) "
            "needs an equity below ~1/3 of its collateral to be liquidated by it, and the "
            "simulated book holds few such accounts (its cross accounts carry 1-3x their "
            "margin in equity)",
}


def check_depeg_collateral(m: Measures) -> list[str]:
    """The depeg targets (collateral liquidated per asset within ±25%), except the known misses."""
    problems = []
    for asset, published in PUBLISHED_DEPEG_COLLATERAL.items():
        if asset in KNOWN_DEPEG_MISSES:
            continue
        got = m.depeg_collateral_usd.get(asset, 0.0)
        if abs(got / published - 1) > DEPEG_COLLATERAL_TOLERANCE:
            problems.append(f"{asset} collateral liquidated {got / 1e6:,.0f} M vs published "
                            f"{published / 1e6:,.0f} M (±{DEPEG_COLLATERAL_TOLERANCE:.0%})")
    return problems


def calibrate(scale: float = 0.005, seed: int = 20251010, iterations: int = 12,
              start: Calibration | None = None, out: Path | None = None,
              log=print, fill_placement: bool = True) -> Calibration:
    """Fit the aggregates (venue, asset, total, timing, lows); then, with ``fill_placement``,
    the fill placement against Binance's fund (second stage, dbt builds, without the cross-margin
    drain), the aggregates again with that placement (placement moves fill prices, hence
    notionals), the cross-margin drain share for what placement cannot reach (third stage), and
    the fund flows re-measured at the final low / central / high placement. Writes ``out`` at
    the end."""
    cal = _fit_aggregates(start or Calibration.load(), scale, seed, iterations, log)
    if fill_placement:
        # the drain moves no fill, so neither the aggregates nor the placement's fills depend
        # on it; it sizes only what placement cannot reach
        cal = calibrate_fill_placement(replace(cal, cross_margin_drain_share=0.0), scale=scale,
                                       seed=seed, log=log)
        cal = _fit_aggregates(cal, scale, seed, iterations, log)
        cal = calibrate_cross_margin_drain(cal, scale=scale, seed=seed, log=log)
    return _finish_with_adl_share(cal, scale, seed, out, log)


def _finish_with_adl_share(cal: Calibration, scale: float, seed: int, out: Path | None,
                           log: Callable[[str], None]) -> Calibration:
    """The last stage of every calibration: the ADL share moves no fill, so the fitted run's
    liquidations are the sample's. Writes ``out`` when given."""
    cal = calibrate_adl_share(cal, simulate(scale=scale, seed=seed, calibration=cal))
    log(f"Hyperliquid ADL share {cal.hyperliquid_adl_share:.4f} "
        f"(range {cal.hyperliquid_adl_share_range})")
    if out is not None:
        cal.dump(out)
    return cal


def _fit_aggregates(cal: Calibration, scale: float, seed: int, iterations: int,
                    log: Callable[[str], None]) -> Calibration:
    """Damped fixed-point updates of the free parameters until every aggregate target is met
    (the fill placement is held fixed) with every asset within half its tolerance and the
    undercount within 10% of its aim. With the long-tail bucket the response is jumpy (its
    Binance wick crosses every long of the bucket at once, and the peak minute hops between
    the 21:13, 21:16 and 21:19 humps), so if no iteration gets that near, the iteration that
    met every target with the assets nearest their aims is returned (logged; without the
    bucket the fit raises, as before)."""
    aim_venue = {v: p * AIM_TOTAL / sum(PUBLISHED_BY_VENUE.values())
                 for v, p in PUBLISHED_BY_VENUE.items()}
    best: tuple[float, int, Calibration] | None = None
    for i in range(iterations):
        result = simulate(scale=scale, seed=seed, calibration=cal)
        m = measure(result)
        problems = check(m)
        if cal.long_tail:
            # with the bucket, the replay window's split is no longer met by the structure
            # alone: held here too (no parameter aims at it; it selects among iterations)
            problems += check_long_tail(m, cal.long_tail_residual_share)
            problems += check_hyperliquid_replay(result)
        log(f"iteration {i}: feed {m.feed_total_usd / 1e9:.2f} bn, long {m.long_share:.3f}, "
            f"peak {m.peak_minute}, BTC low {m.btc_binance_low:,.0f} at "
            f"{m.btc_binance_low_minute}, undercount {m.binance_undercount:.2f}, depeg "
            + "/".join(f"{v / 1e6:.0f}" for v in m.depeg_collateral_usd.values()) + " M; "
            f"{len(problems)} targets missed")
        aims = dict(PUBLISHED_BY_SYMBOL)
        if cal.long_tail:
            aims[LONG_TAIL_SYMBOL] = cal.long_tail_residual_share * AIM_RESIDUAL
        worst = max(abs(m.feed_usd_by_symbol[s] / p - 1) for s, p in aims.items())
        near_symbols = worst <= AIM_SYMBOL_TOLERANCE
        if cal.long_tail and not problems and (best is None or worst < best[0]):
            best = (worst, i, cal)
        # the depeg targets are fitted alongside but do not hold the loop (a few heavy-tailed
        # accounts make them noisy); check_depeg_collateral reports them, and a test holds them
        if (not problems and near_symbols
                and abs(m.binance_undercount / AIM_BINANCE_UNDERCOUNT - 1) < 0.1):
            return cal
        book = dict(cal.book_usd)
        for v in book:
            want_full = aim_venue[v] * (AIM_BINANCE_UNDERCOUNT if v == "binance" else 1.0)
            book[v] *= (want_full / m.full_usd_by_venue[v]) ** 0.35
        channels = max(1, round(cal.binance_feed_channels_per_symbol
                                * (m.binance_undercount / AIM_BINANCE_UNDERCOUNT) ** 0.35))
        short_now = 1.0 - m.long_share
        momentum = cal.momentum_short_usd * ((1 - AIM_LONG_SHARE) / max(short_now, 1e-3)) ** 0.35
        ref = math.log(116_830.3)
        alpha = cal.alpha * ((math.log(BTC_LOW) - ref)
                             / (math.log(m.btc_binance_low) - ref)) ** 0.5
        # peak too early: the book sits too close to its liquidation prices -> less leverage
        offset = _minutes(m.peak_minute) - _minutes(PEAK_MINUTE)
        lev_mult = cal.leverage_multiplier
        if abs(offset) > PEAK_TOLERANCE_MINUTES:
            lev_mult *= 0.97 if offset < 0 else 1.03
        # per asset: the five published symbols toward CoinGlass's figures, the residual
        # symbols together toward what the aimed total leaves for them
        weight = dict(cal.symbol_book_weight)
        # (and the long tail toward its assumed share of the residual)
        for symbol, published in aims.items():
            weight[symbol] = weight.get(symbol, 0.1) * (
                published / m.feed_usd_by_symbol[symbol]) ** 0.5
        residual = sum(m.feed_usd_by_symbol[s] for s in RESIDUAL_SYMBOLS)
        aim_three = AIM_RESIDUAL - aims.get(LONG_TAIL_SYMBOL, 0.0)
        for symbol in RESIDUAL_SYMBOLS:
            weight[symbol] *= (aim_three / residual) ** 0.5
        # a venue whose BTC falls further than the published low has books too thin for its
        # forced selling (Binance's own low is set by alpha)
        depth_share = dict(cal.venue_depth_share)
        for venue in depth_share:
            if venue == "binance":
                continue
            depth_share[venue] *= ((math.log(m.btc_low_by_venue[venue]) - ref)
                                   / (math.log(BTC_LOW_BY_VENUE[venue]) - ref)) ** 0.5
        # depeg collateral: each asset's share of Binance's cross accounts toward its published
        # liquidated collateral, within the bound
        depeg = dict(cal.depeg_collateral_share)
        if cal.collateral_depeg:
            for asset, published in PUBLISHED_DEPEG_COLLATERAL.items():
                got = max(m.depeg_collateral_usd.get(asset, 0.0), published * 0.05)
                depeg[asset] = min(MAX_DEPEG_COLLATERAL_SHARE,
                                   depeg[asset] * (published / got) ** 0.5)
        # the long tail's shock toward ATOM's decline off Binance (mean log low of the venues)
        tail_mult = cal.long_tail_shock_multiplier
        off_binance = [math.log(r) for v, r in m.long_tail_low_ratio_by_venue.items()
                       if v != "binance"]
        if cal.long_tail and off_binance:
            tail_mult *= (math.log(1 - LONG_TAIL_AIM_DECLINE)
                          / (sum(off_binance) / len(off_binance))) ** 0.7
        cal = replace(cal, book_usd=book, binance_feed_channels_per_symbol=int(channels),
                      long_tail_shock_multiplier=round(tail_mult, 6),
                      depeg_collateral_share=depeg,
                      momentum_short_usd=momentum, alpha=min(alpha, 1.0),
                      leverage_multiplier=lev_mult, symbol_book_weight=weight,
                      venue_depth_share=depth_share)
    if best is not None:
        log(f"no iteration within half the tolerances: iteration {best[1]} met every target, "
            f"its assets within {best[0]:.1%} of their aims")
        return best[2]
    raise RuntimeError(f"calibration did not meet every target in {iterations} iterations: "
                       + "; ".join(problems))


# ------------------------------------------------------- the long tail sized with the books held
# The symbols whose books a held-books fit never moves: the five with a published per-asset total.
HELD_SYMBOLS = tuple(PUBLISHED_BY_SYMBOL)
# The held-books fit's aim for the bucket's decline off Binance: inside the published -46 ..
# -64.5% (LONG_TAIL_DECLINE) but shallower than ATOM's -53%, the aggregate fit's aim: a deeper
# tail liquidates more of Hyperliquid's bucket before 21:15, and at -53% no iteration met the
# replay window and the depeg targets together (README, the long-tail bucket).
LONG_TAIL_HELD_DECLINE_AIM = 0.49


def _venue_weight_sums(cal: Calibration) -> dict[str, float]:
    """Per venue, the sum the simulator normalises the calibrated symbol weights by (its
    ``venue_weights``: HYPE's venue factor, the bucket's Hyperliquid factor, active symbols)."""
    from house_edge.simulator import HYPE_WEIGHT_BY_VENUE, SYMBOLS, VENUES, active_symbols

    active = active_symbols(cal)
    sums = {}
    for v in VENUES:
        total = 0.0
        for spec, on in zip(SYMBOLS, active, strict=True):
            if not on:
                continue
            w = cal.symbol_book_weight.get(spec.symbol, spec.book_weight)
            if spec.symbol == "HYPE":
                w *= HYPE_WEIGHT_BY_VENUE.get(v, 0.5)
            if spec.symbol == LONG_TAIL_SYMBOL:
                w *= cal.long_tail_weight_by_venue.get(v, 1.0)
            total += w
        sums[v] = total
    return sums


def hold_named_books(before: Calibration, after: Calibration,
                     held: tuple[str, ...] = HELD_SYMBOLS) -> Calibration:
    """``after`` with its venue books and cohort sizes rescaled so that every ``held`` symbol's
    notional (noon book, afternoon, momentum and dip cohorts; per venue) is the one it has under
    ``before``: a symbol's notional on a venue is book_usd[venue] x its weight / the venue's
    weight sum, and a cohort's is its size x that / the books' total. The held symbols' weights
    (hence their depths) must be equal in both; the simulator draws their accounts the same
    whatever the other weights (counts follow fixed weights, the bucket's on top)."""
    for symbol in held:
        if after.symbol_book_weight[symbol] != before.symbol_book_weight[symbol]:
            raise ValueError(f"{symbol}'s weight differs: its book cannot be held")
    s0, s1 = _venue_weight_sums(before), _venue_weight_sums(after)
    book = {v: before.book_usd[v] * s1[v] / s0[v] for v in before.book_usd}
    ratio = sum(book.values()) / sum(before.book_usd.values())
    return replace(after, book_usd=book, momentum_short_usd=before.momentum_short_usd * ratio,
                   dip_buyer_usd=before.dip_buyer_usd * ratio)


def long_tail_problems(cal: Calibration, result: SimulationResult, m: Measures) -> list[str]:
    """Every target a long-tail calibration is held to on the aggregates (empty = all met):
    check(), the long tail's, Hyperliquid's replay window and the depeg collateral."""
    return (check(m) + check_long_tail(m, cal.long_tail_residual_share)
            + check_hyperliquid_replay(result) + check_depeg_collateral(m))


def fit_long_tail_held(base: Calibration, scale: float = 0.005, seed: int = 20251010,
                       iterations: int = 25, log: Callable[[str], None] = print,
                       decline_aim: float = LONG_TAIL_AIM_DECLINE) -> Calibration:
    """Switch the long-tail bucket on over ``base`` (a calibration without it) and size it with
    the five published assets' books held (hold_named_books): only ALTS's weight, its
    Hyperliquid factor, its shock multiplier and DOGE / BNB / ADA's weights (one common factor)
    move, by damped updates toward ALTS = long_tail_residual_share x the residual, DOGE + BNB +
    ADA = the rest, each venue's total = its aim (the bucket's factor per venue), ALTS's decline
    off Binance = ``decline_aim`` (ATOM's by default) and the depeg collateral (wBETH, BNSOL) =
    the published figures.
    Returns the first iteration meeting every target (long_tail_problems) with ALTS and the
    residual within half their tolerance, else the one meeting every target with them nearest;
    raises if none met every target."""
    share = base.long_tail_residual_share
    aim_tail, aim_three = share * AIM_RESIDUAL, (1 - share) * AIM_RESIDUAL
    weight = dict(base.symbol_book_weight)
    three = sum(weight[s] for s in RESIDUAL_SYMBOLS)
    # the start: the residual symbols' weight split by the assumed share
    weight[LONG_TAIL_SYMBOL] = share * three
    for s in RESIDUAL_SYMBOLS:
        weight[s] *= 1 - share
    cal = replace(base, long_tail=True, symbol_book_weight=weight)
    best: tuple[float, int, Calibration] | None = None
    problems: list[str] = []
    for i in range(iterations):
        held = hold_named_books(base, cal)
        result = simulate(scale=scale, seed=seed, calibration=held)
        m = measure(result)
        problems = long_tail_problems(held, result, m)
        total, tail = residual_usd(m)
        inside, outside = hyperliquid_replay_split_usd(result)
        hl = m.feed_usd_by_venue["hyperliquid"]
        venues = "/".join(f"{m.feed_usd_by_venue[v] / 1e9:.2f}" for v in PUBLISHED_BY_VENUE)
        worst = max(abs(tail / aim_tail - 1), abs(total / AIM_RESIDUAL - 1))
        log(f"held iteration {i}: ALTS {tail / 1e9:.2f} bn (weight "
            f"{cal.symbol_book_weight[LONG_TAIL_SYMBOL]:.4f}, by venue "
            + "/".join(f"{f:.3f}" for f in cal.long_tail_weight_by_venue.values())
            + f", shock x{cal.long_tail_shock_multiplier:.3f})"
            f", residual {total / 1e9:.2f} bn, venues {venues}, "
            f"total {m.feed_total_usd / 1e9:.2f} bn, "
            f"Hyperliquid {hl / 1e9:.2f} bn ({inside / 1e9:.2f} in / {outside / 1e9:.2f} out), "
            f"undercount {m.binance_undercount:.2f} (Binance's record "
            f"{m.full_usd_by_venue['binance'] / 1e9:.2f} bn); {len(problems)} targets missed"
            + (": " + "; ".join(problems) if problems else ""))
        if not problems and (best is None or worst < best[0]):
            best = (worst, i, held)
            if worst <= AIM_SYMBOL_TOLERANCE:
                return held
        weight = dict(cal.symbol_book_weight)
        weight[LONG_TAIL_SYMBOL] *= (aim_tail / tail) ** 0.5
        for s in RESIDUAL_SYMBOLS:
            weight[s] *= (aim_three / (total - tail)) ** 0.5
        # per venue, the bucket toward what the venue's aimed total leaves. Binance's on the
        # full record (its sampled feed is noisy), aimed at the true notional the warehouse
        # scales Binance's published_scaled ledgers to at its central undercount (published
        # 2.4 bn x 7.6, int_public_feed_undercount), so that the fund's two bases agree at the
        # centre (the drain is fitted on the simulated record)
        by_venue = {}
        for v, published in PUBLISHED_BY_VENUE.items():
            aim = published * AIM_TOTAL / sum(PUBLISHED_BY_VENUE.values())
            got = m.feed_usd_by_venue[v]
            if v == "binance":
                aim, got = published * AIM_BINANCE_UNDERCOUNT, m.full_usd_by_venue[v]
            by_venue[v] = cal.long_tail_weight_by_venue.get(v, 1.0) * (aim / got) ** 0.5
        # the venues' factors carry the level; ALTS's weight carries the total
        mean = sum(by_venue.values()) / len(by_venue)
        by_venue = {v: round(f / mean, 6) for v, f in by_venue.items()}
        tail_mult = cal.long_tail_shock_multiplier
        off_binance = [math.log(r) for v, r in m.long_tail_low_ratio_by_venue.items()
                       if v != "binance"]
        tail_mult *= (math.log(1 - decline_aim)
                      / (sum(off_binance) / len(off_binance))) ** 0.7
        # the depeg collateral's shares as _fit_aggregates moves them (they pick which Binance
        # cross accounts hold the collateral, not any book's size)
        depeg = dict(cal.depeg_collateral_share)
        for asset, published in PUBLISHED_DEPEG_COLLATERAL.items():
            if asset in KNOWN_DEPEG_MISSES:
                continue
            got = max(m.depeg_collateral_usd.get(asset, 0.0), published * 0.05)
            depeg[asset] = min(MAX_DEPEG_COLLATERAL_SHARE, depeg[asset] * (published / got) ** 0.5)
        cal = replace(cal, symbol_book_weight=weight, long_tail_weight_by_venue=by_venue,
                      depeg_collateral_share=depeg,
                      long_tail_shock_multiplier=round(tail_mult, 6))
    if best is not None:
        log(f"held iteration {best[1]} met every target, ALTS and the residual within "
            f"{best[0]:.1%} of their aims")
        return best[2]
    raise RuntimeError(f"no held-books iteration met every target in {iterations}: "
                       + "; ".join(problems))


def calibrate_long_tail_held(scale: float = 0.005, seed: int = 20251010, iterations: int = 40,
                             start: Calibration | None = None, out: Path | None = None,
                             log: Callable[[str], None] = print,
                             decline_aim: float = LONG_TAIL_HELD_DECLINE_AIM) -> Calibration:
    """The long-tail bucket switched on over a calibration without it (``start``: e.g. the
    committed one before 27 Nov 2026; the committed one now holds the bucket and is refused),
    its other parameters kept: the bucket sized with the five published assets'
    books held (fit_long_tail_held), then the stages that depend on the fills as calibrate()
    runs them (the fill placement is kept: it sits at its bound): the cross-margin drain share
    against Binance's fund and the ADL share. Writes ``out`` at the end."""
    base = start or Calibration.load()
    if base.long_tail:
        raise ValueError("start from a calibration without the long-tail bucket")
    cal = fit_long_tail_held(base, scale, seed, iterations, log, decline_aim=decline_aim)
    cal = calibrate_cross_margin_drain(cal, scale=scale, seed=seed, log=log)
    return _finish_with_adl_share(cal, scale, seed, out, log)


# ----------------------------------------------------------------------------- the fund ledger
# Binance's shared BTC/ETH/BNB USD-M insurance fund: 1.23 bn (10 Oct) -> 1.04 bn (11 Oct), ~188 M
# used (binance.bh square 30856400292745); 10x Research says 184 M absorbed (event-facts.md 4a, 5).
PUBLISHED_BINANCE_FUND_FLOW = (-188e6, -184e6)
AIM_BINANCE_FUND_FLOW = -186e6
BINANCE_FUND_SYMBOLS = ("BTC", "ETH", "BNB")
FUND_FLOW_MODEL = "int_liquidation_fills_revenue"

# The warehouse's own sum: clearance fees into the fund minus what it paid beyond bankruptcy.
# The model writes the payout as a negative number (bankruptcy_payout_usd); abs() keeps this
# sum right whichever sign convention the model uses.
_FUND_FLOW_SQL = f"""
    select sum(clearance_fee_usd) - sum(abs(insurance_payout_usd))
    from {FUND_FLOW_MODEL}
    where venue = 'binance' and scenario = 'central'
      and symbol in ({", ".join(f"'{s}'" for s in BINANCE_FUND_SYMBOLS)})
"""


def binance_fund_flow(raw_dir: Path, work_dir: Path) -> float:
    """Binance's BTC/ETH/BNB insurance-fund flow (USD, central scenario) of the raw files in
    ``raw_dir``, as the warehouse computes it: ``int_liquidation_fills_revenue`` is built with dbt
    into ``work_dir`` (never a warehouse/ file) and summed with DuckDB. The fee formulas are not
    re-implemented here on purpose: the calibration must agree with the model users read."""
    import json
    import os
    import subprocess

    import duckdb

    from house_edge import publish

    raw_dir, work_dir = Path(raw_dir).resolve(), Path(work_dir).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    db = work_dir / "house_edge.duckdb"
    db.unlink(missing_ok=True)  # the model is incremental: start from nothing every time
    root = publish.project_root()
    variables = publish.raw_vars({k: raw_dir / f"raw_{k}.csv"
                                  for k in ("price_bars", "positions", "liquidations")})
    cmd = [publish.dbt_executable(), "build", "--select", f"+{FUND_FLOW_MODEL}",
           "--exclude-resource-type", "test", "unit_test",
           "--project-dir", str(root), "--profiles-dir", str(root),
           "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
           "--vars", json.dumps(variables)]
    env = dict(os.environ, HOUSE_EDGE_DUCKDB_PATH=str(db))
    proc = subprocess.run(cmd, cwd=root, env=env, text=True, capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"dbt build of {FUND_FLOW_MODEL} failed:\n{proc.stdout[-3000:]}")
    with duckdb.connect(str(db), read_only=True) as con:
        schemas = [r[0] for r in con.execute(
            "select table_schema from information_schema.tables where table_name = ?",
            [FUND_FLOW_MODEL]).fetchall()]
        if not schemas:
            raise RuntimeError(f"{FUND_FLOW_MODEL} not found in {db}")
        con.execute(f"set schema '{schemas[0]}'")
        value = con.execute(_FUND_FLOW_SQL).fetchone()[0]
    return float(value or 0.0)


# ----------------------------------------------------------------------------- fill placement
# Venues that close a liquidated position with a market order into the book (Binance, Bybit,
# OKX): in the vacuum their fills land between the trigger and the bar's extreme, and share one
# calibrated placement (ASSUMPTION: the same books and arbitrageurs serve the three; no
# per-venue fund figure exists for Bybit or OKX to tell them apart, event-facts.md 4b/4c).
# Hyperliquid is left at 0.125 (the old mean): its mark is an oracle median that follows wicks
# least, its backstop takes positions over at the mark, and it reported zero bad debt
# (event-facts.md 4d) -- its evidence is the HLP result, not Binance's fund.
MARKET_ORDER_VENUES = ("binance", "bybit", "okx")
# Plausible band of the modelled fund flow for the low/high placement: ASSUMPTION ±25% around
# the aim (-139.5 .. -232.5 M). Why wider than the published 184-188 M: the published figure is a
# USD balance of a fund that holds part of its assets in coins (reported also as "65,370 ->
# 78,040 BTC"), so BTC's own fall moves it; ADL on Binance (alleged by Wintermute's CEO, volume
# not published) passed an unknown part of the losses to winners instead of the fund; and the
# clearance rate (1.0-1.5 %) is itself a range.
FUND_FLOW_BAND = (AIM_BINANCE_FUND_FLOW * 1.25, AIM_BINANCE_FUND_FLOW * 0.75)


def with_placement(cal: Calibration, mean: float) -> Calibration:
    """``cal`` with the market-order venues' fill placement set to ``mean``."""
    placement = dict(cal.fill_placement_toward_extreme)
    placement.update({v: mean for v in MARKET_ORDER_VENUES})
    return replace(cal, fill_placement_toward_extreme=placement)


def fund_flow_at(cal: Calibration, mean: float, scale: float, seed: int, work_dir: Path
                 ) -> float:
    """Simulate with the market-order placement ``mean``, write the raw files under
    ``work_dir`` and return Binance's BTC/ETH/BNB fund flow as the warehouse computes it."""
    from house_edge import simulator

    raw = Path(work_dir) / "raw"
    simulator.write(simulate(scale=scale, seed=seed, calibration=with_placement(cal, mean)), raw)
    return binance_fund_flow(raw, Path(work_dir) / "dbt")


def solve_placement(flow: Callable[[float], float], target: float, tolerance: float,
                    bracket: tuple[float, float] = (0.02, 0.98), max_evals: int = 14,
                    log: Callable[[str], None] = print, what: str = "placement"
                    ) -> tuple[float, float]:
    """The placement whose fund flow is ``target`` (± ``tolerance``), by regula falsi with the
    Illinois step on ``bracket``: the flow falls monotonically as fills move toward the
    extreme (one uniform per fill, see simulator._placement), so a bracket that holds the
    target converges in a handful of simulate + dbt runs. Returns (placement, flow)."""
    a, b = bracket
    fa, fb = flow(a) - target, flow(b) - target
    log(f"  {what} {a:.4f}: {(fa + target) / 1e6:,.1f} M; {b:.4f}: {(fb + target) / 1e6:,.1f} M")
    if fa * fb > 0:
        raise RuntimeError(f"fund flow {target / 1e6:,.1f} M is not reached by {what} "
                           f"{a}..{b} ({(fa + target) / 1e6:,.1f} .. {(fb + target) / 1e6:,.1f} M)")
    side = 0
    for _ in range(max_evals):
        x = (a * fb - b * fa) / (fb - fa)
        fx = flow(x) - target
        log(f"  {what} {x:.4f}: {(fx + target) / 1e6:,.1f} M")
        if abs(fx) <= tolerance:
            return x, fx + target
        if fx * fb > 0:
            b, fb = x, fx
            if side == -1:
                fa /= 2
            side = -1
        else:
            a, fa = x, fx
            if side == 1:
                fb /= 2
            side = 1
    raise RuntimeError(f"{what} search did not reach {target / 1e6:,.1f} M ± "
                       f"{tolerance / 1e6:.1f} M in {max_evals} runs")


# ASSUMPTION: the market-order venues' placement is at most 0.95 -- one minute's fills are spread
# over its seconds and Binance closes large positions in parts, so they cannot all sit on the
# minute's extreme. When the published flow is out of reach inside that bound, the central value
# is the bound, and low / high fall back to FALLBACK_PLACEMENT (0.5 = uniform between trigger
# and extreme; 0.99 = nearly every fill at the extreme), each measured.
PLACEMENT_BRACKET = (0.02, 0.95)
FALLBACK_PLACEMENT = {"low": 0.5, "high": 0.99}


def calibrate_fill_placement(cal: Calibration, scale: float = 0.005, seed: int = 20251010,
                             work_dir: Path | None = None, log: Callable[[str], None] = print
                             ) -> Calibration:
    """Second stage of the calibration: the market-order venues' fill placement so that
    Binance's BTC/ETH/BNB fund flow (the warehouse's int_liquidation_fills_revenue, central
    scenario) lands on the published outflow (aim -186 M), and the placements at the edges of
    FUND_FLOW_BAND as low / high. If the aim is beyond what placement alone reaches inside
    PLACEMENT_BRACKET, the central value is the bracket's bound and low / high are the
    FALLBACK_PLACEMENT values (logged, and check_fund_flow reports the miss). Returns ``cal``
    with the three placements and their measured flows recorded."""
    with tempfile.TemporaryDirectory(prefix="house-edge-placement-") as tmp:
        work = Path(work_dir or tmp)
        cache: dict[float, float] = {}

        def flow(mean: float) -> float:
            if mean not in cache:
                cache[mean] = fund_flow_at(cal, mean, scale, seed, work)
            return cache[mean]

        lo, hi = PLACEMENT_BRACKET
        reach = (flow(lo), flow(hi))
        log(f"fill placement {lo}..{hi}: fund flow {reach[0] / 1e6:,.1f} .. "
            f"{reach[1] / 1e6:,.1f} M")
        found: dict[str, tuple[float, float]] = {}
        if reach[1] <= AIM_BINANCE_FUND_FLOW <= reach[0]:
            for name, target, tolerance in (
                    ("central", AIM_BINANCE_FUND_FLOW, 1.0e6),
                    ("low", FUND_FLOW_BAND[1], 3.0e6),
                    ("high", FUND_FLOW_BAND[0], 3.0e6)):
                log(f"fill placement, {name}: aim {target / 1e6:,.1f} M")
                found[name] = solve_placement(flow, target, tolerance, PLACEMENT_BRACKET,
                                              log=log)
        else:
            log(f"the published {AIM_BINANCE_FUND_FLOW / 1e6:,.0f} M is out of reach of fill "
                f"placement alone: central = the bound {hi}")
            found["central"] = (hi, reach[1])
            for name, mean in FALLBACK_PLACEMENT.items():
                found[name] = (mean, flow(mean))
        for name, (mean, value) in found.items():
            log(f"  {name}: placement {mean:.4f}, fund flow {value / 1e6:,.1f} M")
    cal = with_placement(cal, found["central"][0])
    return replace(cal, fill_placement_low=round(found["low"][0], 6),
                   fill_placement_high=round(found["high"][0], 6),
                   binance_fund_flow_usd={k: round(v[1], 2) for k, v in found.items()})


# ----------------------------------------------------------------------------- cross-margin drain
# Multi-position cross-margin accounts (simulator switch cross_margin_drain): the mean share of a
# drained Binance cross position's backing equity lost on the account's other legs. No published
# figure sizes it (how many accounts held several positions, their altcoin exposure), so it is
# CALIBRATED to the fund's published outflow: the Binance fund target is then met by calibration,
# not checked independently (as HLP's result is by its unwind horizon). Bracket: 0 (no drain) to
# DRAIN_SHARE_BRACKET[1] (a mean loss of the whole backing equity on the other legs).
DRAIN_SHARE_BRACKET = (0.0, 1.0)


def calibrate_cross_margin_drain(cal: Calibration, scale: float = 0.005, seed: int = 20251010,
                                 work_dir: Path | None = None,
                                 log: Callable[[str], None] = print) -> Calibration:
    """Third stage: the cross-margin drain share whose Binance BTC/ETH/BNB fund flow (central
    scenario and placement) is the published aim, -186 M; then the flows at the low / central /
    high placement re-measured with that drain and recorded. If the flow at zero drain is already
    at or below the aim, the share is 0 (placement reached it alone)."""
    placement = cal.fill_placement_toward_extreme["binance"]
    with tempfile.TemporaryDirectory(prefix="house-edge-drain-") as tmp:
        work = Path(work_dir or tmp)
        cache: dict[float, float] = {}

        def flow(share: float) -> float:
            if share not in cache:
                cache[share] = fund_flow_at(replace(cal, cross_margin_drain=True,
                                                    cross_margin_drain_share=share),
                                            placement, scale, seed, work)
            return cache[share]

        if flow(0.0) <= AIM_BINANCE_FUND_FLOW:
            share = 0.0
            log(f"cross-margin drain: flow {flow(0.0) / 1e6:,.1f} M at no drain; share 0")
        else:
            share, value = solve_placement(flow, AIM_BINANCE_FUND_FLOW, 1.0e6,
                                           DRAIN_SHARE_BRACKET, log=log,
                                           what="cross-margin drain share")
            log(f"cross-margin drain share {share:.4f}: fund flow {value / 1e6:,.1f} M")
        cal = replace(cal, cross_margin_drain=True, cross_margin_drain_share=round(share, 6))
        flows = {name: fund_flow_at(cal, mean, scale, seed, work)
                 for name, mean in (("low", cal.fill_placement_low), ("central", placement),
                                    ("high", cal.fill_placement_high))}
    log("fund flow at low / central / high placement: "
        + ", ".join(f"{k} {v / 1e6:,.1f} M" for k, v in flows.items()))
    return replace(cal, binance_fund_flow_usd={k: round(v, 2) for k, v in flows.items()})


def check_fund_flow(flow: float) -> list[str]:
    """The fund-ledger target: Binance's modelled BTC/ETH/BNB fund flow inside the published
    -188 .. -184 M (empty = met)."""
    if PUBLISHED_BINANCE_FUND_FLOW[0] <= flow <= PUBLISHED_BINANCE_FUND_FLOW[1]:
        return []
    return [f"Binance BTC/ETH/BNB fund flow {flow / 1e6:,.1f} M outside the published "
            f"{PUBLISHED_BINANCE_FUND_FLOW[0] / 1e6:,.0f} .. "
            f"{PUBLISHED_BINANCE_FUND_FLOW[1] / 1e6:,.0f} M"]
