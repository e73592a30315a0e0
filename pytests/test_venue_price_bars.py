"""Bybit, OKX and Hyperliquid captures build end to end with their own price-bar formats
(issue 14, item 3), and a Hyperliquid liquidation trade held twice without users gets its side
from the fills' own fields, not from the raw text's order (item 8).

Two builds, shared by the tests of this module:
- ``three_venues``: ``house-edge build``'s code path (dbt build + gate + publish) fed with each
  venue's liquidation fixture AND its price-bar fixture (Binance stays simulated);
- ``both_sides``: stg_hyperliquid__liquidations alone, on small files written here, each holding one
  liquidation trade twice (the liquidated user's fill and the counterparty's), without users.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from house_edge import config, publish, venue_files
from pytests.conftest import ROOT

HAND = ROOT / "pytests" / "fixtures" / "venue_formats"
VENUES = {
    # venue: (liquidation format, its fixture, price-bar format, its fixture)
    "bybit": ("all-liquidation-jsonl", HAND / "bybit_all_liquidation.jsonl",
              "kline-jsonl", HAND / "bybit_kline.jsonl"),
    "okx": ("liquidation-orders-jsonl", HAND / "okx_liquidation_orders.jsonl",
            "candles-jsonl", HAND / "okx_candles" / "*.jsonl"),
    "hyperliquid": ("fills-jsonl", HAND / "hyperliquid_fills.jsonl",
                    "candle-snapshot-jsonl", HAND / "hyperliquid_candles.jsonl"),
}


def _items(value) -> int:
    """Records a document holds: its list's length, or 1 (a document without records is kept
    as one quarantined row)."""
    return len(value) if isinstance(value, list) and value else 1


def _records(fmt: str, path_glob: Path) -> int:
    """The number of records in a fixture, counted from the JSON itself (not by dbt)."""
    total = 0
    for path in sorted(path_glob.parent.glob(path_glob.name)):
        for line in path.read_text().splitlines():
            doc = json.loads(line)
            if fmt == "all-liquidation-jsonl":
                total += _items(doc.get("data"))
            elif fmt == "liquidation-orders-jsonl":
                data = doc.get("data")
                total += sum(_items(d.get("details")) for d in data) if data else 1
            elif fmt == "fills-jsonl":
                if "coin" in doc:
                    total += 1
                elif "events" in doc:
                    total += _items(doc["events"])
                else:
                    total += _items((doc.get("data") or {}).get("fills"))
            elif fmt == "kline-jsonl":
                total += _items((doc.get("result") or {}).get("list") if "result" in doc
                                else doc.get("data"))
            elif fmt == "candles-jsonl":
                total += _items(doc.get("data"))
            elif fmt == "candle-snapshot-jsonl":
                total += _items(doc) if isinstance(doc, list) else 1
    return total


@pytest.fixture(scope="module")
def three_venues(tmp_path_factory):
    """ONE house-edge build (dbt build, gate, publish) with Bybit, OKX and Hyperliquid each fed
    by its liquidation file and its own price-bar file; the assertions are per venue."""
    target = tmp_path_factory.mktemp("three_venues") / "house_edge.duckdb"
    specs = []
    for venue, (liq_fmt, liq_path, bar_fmt, bar_path) in VENUES.items():
        specs += [(f"{venue}:{liq_fmt}:{liq_path}", "liquidations"),
                  (f"{venue}:{bar_fmt}:{bar_path}", "price_bars")]
    root = publish.project_root()
    raw = {k: root / "data" / "sample" / f"raw_{k}.csv"
           for k in ("price_bars", "positions", "liquidations")}
    report = publish.build_and_publish(raw_paths=raw, target=target, echo=False,
                                       extra_vars=venue_files.build_vars(specs))
    con = duckdb.connect(str(target), read_only=True)
    yield con, report
    con.close()


# Each fill beside the bar of its venue, symbol and minute (none when the minute has no bar).
FILLS_WITH_BARS = ("from marts.fct_liquidations as l left join marts.fct_price_bars as b"
                   " on b.venue = l.venue and b.symbol = l.symbol"
                   " and b.bar_opened_at = l.liquidated_minute_at")


def _quarantined(con, fmt: str) -> int:
    return con.execute("select count(*) from staging.stg_venue_files__quarantine"
                       " where source_format = ?", [fmt]).fetchone()[0]


def test_the_three_venues_build_gate_and_publish(three_venues):
    _, report = three_venues
    assert report.validation is not None and report.validation.success


@pytest.mark.parametrize("venue", sorted(VENUES))
def test_every_file_fill_is_priced_and_counted(three_venues, venue):
    con, _ = three_venues
    liq_fmt, liq_path, _, _ = VENUES[venue]
    loaded = con.execute("select count(*) from marts.fct_liquidations where venue = ?",
                         [venue]).fetchone()[0]
    # only the file's rows: the venue's simulated fills (which have a position) left the union
    assert con.execute("select count(*) from marts.fct_liquidations where venue = ?"
                       " and position_id is not null", [venue]).fetchone()[0] == 0
    assert loaded == _records(liq_fmt, liq_path) - _quarantined(con, liq_fmt)
    assert loaded == 4  # pytests/test_venue_files.py: EXPECTED_HAND_WRITTEN
    # each fill is priced against the bar of its own minute
    priced = con.execute(f"select count(*), count(b.bar_opened_at) {FILLS_WITH_BARS}"
                         " where l.venue = ?", [venue]).fetchone()
    assert priced == (loaded, loaded), "a fill of a file-fed venue has no bar of its minute"


@pytest.mark.parametrize("venue", sorted(VENUES))
def test_every_file_bar_is_loaded_or_quarantined(three_venues, venue):
    con, _ = three_venues
    _, _, bar_fmt, bar_path = VENUES[venue]
    bars = con.execute("select count(*), count(distinct source_format), min(source_format)"
                       " from marts.fct_price_bars where venue = ?", [venue]).fetchone()
    assert bars == (_records(bar_fmt, bar_path) - _quarantined(con, bar_fmt), 1, bar_fmt)
    # 20:50-21:24 for BTC, SOL, ETH (+ HYPE on Hyperliquid), and BTC's 21:25 from a push
    symbols = 4 if venue == "hyperliquid" else 3
    assert bars[0] == 35 * symbols + 1


# venue: (symbol, OHLC, volume_base, volume_usd, trade_count) of the 21:20 bar. BTC's prices are
# Binance's real 21:20 minute; volumes are in base units / USD whatever the venue's layout
# (OKX's vol counts contracts of 0.01 BTC: 201,286 contracts = 2,012.861 BTC).
KNOWN_BARS = {
    "bybit": ("BTC", (103441.3, 106458.8, 101516.5, 104311.2), 2818.005, 293148242.1268, None),
    "okx": ("BTC", (103441.3, 106458.8, 101516.5, 104311.2), 2012.861, 209391601.5191, None),
    "hyperliquid": ("BTC", (103441.3, 106458.8, 101516.5, 104311.2), 1207.7166, None, 14991),
}
# venue: (minute of its BTC fills, that bar's low). Hyperliquid's BTC fill (101,600 at
# 21:19:56) is a trade price: the fixture's 21:19 low is widened to hold it.
BTC_FILL_BARS = {"bybit": ("21:20", 101516.5), "okx": ("21:20", 101516.5),
                 "hyperliquid": ("21:19", 101600.0)}


@pytest.mark.parametrize("venue", sorted(VENUES))
def test_a_known_bar_keeps_its_prices_units_and_time(three_venues, venue):
    con, _ = three_venues
    symbol, ohlc, volume_base, volume_usd, trades = KNOWN_BARS[venue]
    row = con.execute(
        "select open_price, high_price, low_price, close_price, volume_base, volume_usd,"
        " trade_count, bar_interval_seconds, epoch_ms(bar_opened_at) from marts.fct_price_bars"
        " where venue = ? and symbol = ? and bar_opened_at = timestamp '2025-10-10 21:20:00'",
        [venue, symbol]).fetchone()
    assert row[:4] == ohlc
    assert row[4] == pytest.approx(volume_base)
    volume = None if row[5] is None else float(row[5])  # money is DECIMAL(38,6): a Decimal
    assert volume == (pytest.approx(volume_usd) if volume_usd else None)
    assert row[6:] == (trades, 60, 1760131200000)
    # the venue's BTC fills are priced against the bar of their own minute
    assert con.execute(
        f"select distinct strftime(b.bar_opened_at, '%H:%M'), b.low_price {FILLS_WITH_BARS}"
        " where l.venue = ? and l.symbol = 'BTC'", [venue]).fetchall() == [BTC_FILL_BARS[venue]]


# format: the quarantined rows (symbol, bar minute, reason) of its fixture: a line without a
# bar (subscription reply / event), the in-progress push of BTC's 21:25 bar superseded by the
# closed one, and one malformed ETH bar
QUARANTINED_BARS = {
    "kline-jsonl": [("BTC", "21:25", "superseded_update"), ("ETH", "21:25", "high_below_low"),
                    (None, None, "not_a_kline_message")],
    # OKX's subscribe event names its instrument in arg
    "candles-jsonl": [("BTC", "21:25", "superseded_update"), ("BTC", None, "not_a_kline_message"),
                      ("ETH", "21:25", "unparseable_price")],
    "candle-snapshot-jsonl": [("BTC", "21:25", "superseded_update"),
                              ("ETH", "21:25", "non_positive_price"),
                              (None, None, "not_a_kline_message")],
}


@pytest.mark.parametrize("venue", sorted(VENUES))
def test_malformed_and_superseded_bars_are_quarantined_with_their_reason(three_venues, venue):
    con, _ = three_venues
    fmt = VENUES[venue][2]
    rows = con.execute(
        f"select symbol, strftime(bar_opened_at, '%H:%M'), quarantine_reason"
        f" from staging.{venue_files_model(fmt)} where quarantine_reason is not null"
        f" order by all nulls last").fetchall()
    assert rows == QUARANTINED_BARS[fmt]
    # the same rows are in the venue-file quarantine
    assert _quarantined(con, fmt) == len(rows)
    # of the two pushes of BTC's 21:25 bar, the closed / latest one is loaded
    assert con.execute("select high_price, low_price from marts.fct_price_bars where venue = ?"
                       " and symbol = 'BTC' and bar_opened_at = '2025-10-10 21:25'",
                       [venue]).fetchall() == [(108999.7, 106982.9)]


def venue_files_model(fmt: str) -> str:
    """The staging model of a format, read from the registry (dbt var venue_file_formats)."""
    spec = config.project_vars(ROOT)["venue_file_formats"][fmt]
    return f"stg_{spec['venue']}__{spec['kind']}"


# --- item 8: a Hyperliquid liquidation trade held twice, without users ----------------------

def _fill(tid: int, side: str, direction: str, start: str, crossed: bool) -> dict:
    return {"coin": "BTC", "px": "103500.0", "sz": "0.4", "side": side,
            "time": 1760131205000 + tid, "startPosition": start, "dir": direction,
            "closedPnl": "0", "hash": "0xfeed", "oid": 700000 + tid, "crossed": crossed,
            "fee": "0", "tid": tid, "feeToken": "USDC",
            "liquidation": {"markPx": 103480.0, "method": "market"}}


# name: (the liquidated user's fill, the counterparty's fill, expected side of the kept fill)
BOTH_SIDES = {
    # a short liquidated: it BUYS to close; the counterparty sells, opening a short
    "short": (("B", "Close Short", "-0.4", True), ("A", "Open Short", "0", False), "short"),
    # a long liquidated: it SELLS to close; the counterparty buys, closing its own short, so
    # both fills close a position and the taker (the liquidation's market order) tells them apart
    "long": (("A", "Close Long", "0.4", True), ("B", "Close Short", "-1.2", False), "long"),
    # the mirror of "long": a short liquidated while the counterparty closes a long
    "short_vs_closing_long": (("B", "Close Short", "-0.4", True),
                              ("A", "Close Long", "2.0", False), "short"),
}


@pytest.fixture(scope="module")
def both_sides(tmp_path_factory):
    """stg_hyperliquid__liquidations on one file per case and text order (each with its own tid, so
    files do not deduplicate each other), plus a trade whose two copies cannot be told apart."""
    tmp = tmp_path_factory.mktemp("hl_both_sides")
    tid = 1
    for name, (own, other, _) in BOTH_SIDES.items():
        for order in ("own_first", "other_first"):
            fills = [_fill(tid, *own), _fill(tid, *other)]
            if order == "other_first":
                fills.reverse()
            (tmp / f"{name}-{order}.jsonl").write_text(
                "\n".join(json.dumps(f) for f in fills) + "\n")
            tid += 1
    # two closing fills, neither the taker: which account was liquidated is unknowable
    (tmp / "ambiguous.jsonl").write_text(
        json.dumps(_fill(tid, "A", "Close Long", "0.4", False)) + "\n"
        + json.dumps(_fill(tid, "B", "Close Short", "-0.4", False)) + "\n")
    db = tmp / "house_edge.duckdb"
    entry = {"venue": "hyperliquid", "format": "fills-jsonl", "path": str(tmp / "*.jsonl")}
    publish.run_dbt(["build", "--select", "symbols", "stg_hyperliquid__liquidations",
                     "--indirect-selection", "cautious"],
                    publish.project_root(), db, {"venue_files": [entry]}, echo=False)
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


@pytest.mark.parametrize("name", sorted(BOTH_SIDES))
def test_both_sides_without_user_give_one_fill_whatever_the_text_order(both_sides, name):
    own, _, side = BOTH_SIDES[name]
    kept = {}
    for order in ("own_first", "other_first"):
        rows = both_sides.execute(
            "select side, quarantine_reason, raw_record from staging.stg_hyperliquid__liquidations"
            " where source_file like ? order by quarantine_reason nulls first",
            [f"%/{name}-{order}.jsonl"]).fetchall()
        assert [(r[0] if r[1] is None else "-", r[1]) for r in rows] == [
            (side, None), ("-", "duplicate_record")], (order, rows)
        # the kept copy is the liquidated user's own fill, in either text order
        fill = json.loads(rows[0][2])
        kept[order] = (fill["side"], fill["dir"], fill["startPosition"], fill["crossed"])
    assert kept["own_first"] == kept["other_first"] == own


def test_two_copies_that_cannot_be_told_apart_are_quarantined_not_guessed(both_sides):
    reasons = both_sides.execute(
        "select quarantine_reason from staging.stg_hyperliquid__liquidations"
        " where source_file like '%/ambiguous.jsonl'").fetchall()
    assert reasons == [("ambiguous_liquidated_side",)] * 2
