"""Venue files (issue 6): the venues' own formats load, every record is loaded or quarantined
with its reason, and a mixed build (real Binance minutes + simulated other venues) publishes.

Two builds, shared by the tests of this module:
- ``staged``: the venue-format staging models and unions only, fed with EVERY fixture (the real
  captures and the hand-written formats), with the event window widened to cover the real
  forceOrder captures (Aug 2024, Jun 2025) so their rows can load;
- ``mixed``: ``house-edge build``'s code path (dbt build + publish gate) with the real Binance
  1-minute klines and Binance forceOrder messages; Bybit, OKX and Hyperliquid stay simulated.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
from collections import Counter

import duckdb
import pytest

from house_edge import config, publish, venue_files
from pytests.conftest import ROOT

REAL = ROOT / "pytests" / "fixtures" / "real"
HAND = ROOT / "pytests" / "fixtures" / "venue_formats"
CAPTURES = sorted((REAL / "binance_forceorder_captures").glob("*.csv"))
MINUTES = REAL / "binance_um_klines_1m" / "*.csv"

ALL_FIXTURES = [
    ("binance", "klines-csv", REAL / "binance_um_klines_1m" / "*.csv", {}),
    ("binance", "klines-csv", REAL / "binance_um_klines_1h" / "*.csv", {}),
    ("binance", "klines-csv", REAL / "binance_price_index_klines" / "*.csv",
     {"price_type": "mark"}),
    ("binance", "forceorder-csv", REAL / "binance_forceorder_captures" / "*.csv", {}),
    ("binance", "forceorder-jsonl", HAND / "binance_forceorder.jsonl", {}),
    ("binance", "funding-rate-csv", REAL / "binance_funding_rate" / "*.csv", {}),
    ("bybit", "all-liquidation-jsonl", HAND / "bybit_all_liquidation.jsonl", {}),
    ("okx", "liquidation-orders-jsonl", HAND / "okx_liquidation_orders.jsonl", {}),
    ("hyperliquid", "fills-jsonl", HAND / "hyperliquid_fills.jsonl", {}),
    ("hyperliquid", "historical-liquidations-csv",
     REAL / "hyperliquid" / "hyperliquid-dex_historical_liquidations_2023.csv", {}),
]


def _entries(fixtures) -> list[dict]:
    return [{"venue": v, "format": f, "path": str(p), **opts} for v, f, p, opts in fixtures]


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("venue_files")
    db = tmp / "house_edge.duckdb"
    # the real SOL minutes as Parquet (read by position like the CSV), loaded as symbol ADA so
    # they do not collide with the CSV copy
    parquet = tmp / "SOLUSDT-1m-2025-10-10.parquet"
    duckdb.sql(f"copy (select * from read_csv('{REAL / 'binance_um_klines_1m' / 'SOLUSDT-*.csv'}'))"
               f" to '{parquet}' (format parquet)")
    parquet_entry = ("binance", "klines-csv", parquet, {"symbol": "ADA"})
    variables = {"venue_files": _entries([*ALL_FIXTURES, parquet_entry]),
                 "event_window_start": "2024-08-01 00:00:00",
                 "event_window_end": "2025-10-12 00:00:00"}
    publish.run_dbt(["build", "--select", "okx_contract_values", "+stg_venue_files__quarantine",
                     "+int_liquidations_unioned", "+int_price_bars_unioned", "+fct_funding_rates",
                     "assert_venue_rows_are_loaded_or_quarantined",
                     # only tests whose every parent is built here
                     "--indirect-selection", "cautious"],
                    publish.project_root(), db, variables, echo=False)
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def _loaded_and_quarantined(con, file_name: str) -> tuple[int, Counter]:
    loaded = con.execute("select count(*) from intermediate.int_liquidations_unioned"
                         " where source_file like ?", [f"%/{file_name}"]).fetchone()[0]
    reasons = Counter(dict(con.execute(
        "select quarantine_reason, count(*) from staging.stg_venue_files__quarantine"
        " where source_file like ? group by 1", [f"%/{file_name}"]).fetchall()))
    return loaded, reasons


def test_the_format_registry_is_one_dbt_var_that_python_and_dbt_both_read():
    """dbt_project.yml's var venue_file_formats is the only list of formats: the macro returns
    it, the CLI and the gate read it, and every format names a staging model that exists, named
    by venue and entity (stg_<venue>__<kind>) whatever the file format."""
    macro = (ROOT / "macros" / "venue_files" / "venue_files.sql").read_text()
    assert "return(var('venue_file_formats'))" in macro
    assert not re.search(r"'[a-z-]+-(csv|jsonl)': \{", macro)  # no second list in the macro
    registry = config.project_vars(ROOT)["venue_file_formats"]
    assert venue_files.formats() == {f: (s["venue"], s["kind"]) for f, s in registry.items()}
    assert len(registry) == 11
    staging = {p.stem for p in (ROOT / "models" / "staging").rglob("stg_*.sql")}
    # the model follows from venue and kind; a delimited format also gives its column count
    assert set(registry["klines-csv"]) == {"venue", "kind", "columns"}
    assert set(registry["forceorder-jsonl"]) == {"venue", "kind"}
    assert {f"stg_{s['venue']}__{s['kind']}" for s in registry.values()} <= staging



def test_every_registry_format_is_a_documented_dbt_source_its_staging_model_reads(tmp_path):
    """Every format of the registry is a source table venue_files.<format with _> (its files read
    in place), described column by column; each staging model of the registry depends on the
    sources of its formats in the manifest (it reads them through source()), the quarantine on
    the JSON formats' sources (malformed lines), the per-file counts on venue_files.files. A
    format's freshness is checked only when one of its files is configured (none by default)."""
    entry = {"venue": "binance", "format": "klines-csv", "path": "k/*.csv"}
    subprocess.run([publish.dbt_executable(), "parse", "--target-path", str(tmp_path),
                    "--project-dir", str(ROOT), "--profiles-dir", str(ROOT),
                    "--vars", json.dumps({"venue_files": [entry]})], cwd=ROOT, check=True,
                   capture_output=True,
                   env=dict(os.environ, HOUSE_EDGE_DUCKDB_PATH=str(tmp_path / "x.duckdb")))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    sources = {node["name"]: node for node in manifest["sources"].values()
               if node["source_name"] == "venue_files"}
    registry = config.project_vars(ROOT)["venue_file_formats"]
    tables = {fmt: fmt.replace("-", "_") for fmt in registry}
    assert set(sources) == {*tables.values(), "files"}
    for fmt, spec in registry.items():
        node = sources[tables[fmt]]
        assert node["description"] and all(c["description"] for c in node["columns"].values())
        expected = ([f"c{i:02d}" for i in range(spec["columns"])]
                    + ["source_file", "entry_index", "entry_symbol", "entry_price_type"]
                    if "columns" in spec else
                    ["document", "record_text", "scan_position", "source_file", "entry_index",
                     "entry_symbol"])
        assert list(node["columns"]) == expected, fmt
        assert node["loaded_at_field"], fmt
        configured = fmt == entry["format"]
        assert (node["freshness"]["warn_after"]["count"] == 2) is configured, fmt
        assert (node["freshness"]["error_after"]["count"] == 24) is configured, fmt
    klines = sources["klines_csv"]["relation_name"]
    assert klines.startswith("(select ") and "read_csv(['k/*.csv']" in klines

    models = {node["name"]: node for node in manifest["nodes"].values()
              if node["resource_type"] == "model"}

    def read_sources(model: str) -> set[str]:
        return {dep.removeprefix("source.house_edge.venue_files.")
                for dep in models[model]["depends_on"]["nodes"]
                if dep.startswith("source.house_edge.venue_files.")}

    for fmt, spec in registry.items():
        assert tables[fmt] in read_sources(f"stg_{spec['venue']}__{spec['kind']}"), fmt
    assert read_sources("stg_venue_files__quarantine") == {
        tables[fmt] for fmt, spec in registry.items() if "columns" not in spec}
    assert read_sources("stg_venue_files__inputs") == {"files"}
    for model in models:
        if model.startswith("stg_") and read_sources(model):
            assert "venue_files" in models[model]["tags"], model

def test_a_venue_file_spec_is_checked_before_dbt_runs(tmp_path):
    entry = venue_files.parse_spec("Binance:klines-csv:k/*.csv:price_type=mark")
    assert entry == {"venue": "binance", "format": "klines-csv", "path": "k/*.csv",
                     "price_type": "mark"}
    for spec, message in [("binance:klines-csv", "expected VENUE:FORMAT:PATH"),
                          ("bybit:forceorder-csv:x.csv", "belongs to venue binance"),
                          ("binance:nope:x.csv", "unknown format 'nope'"),
                          ("binance:klines-csv:x.csv:colour=red", "unknown option 'colour'")]:
        with pytest.raises(venue_files.VenueFileError, match=message):
            venue_files.parse_spec(spec)
    with pytest.raises(venue_files.VenueFileError, match="holds price_bars, not liquidations"):
        venue_files.parse_spec("binance:klines-csv:x.csv", kind="liquidations")
    with pytest.raises(venue_files.VenueFileError, match="no file matches"):
        venue_files.build_vars([("binance:klines-csv:missing/*.csv", None)], base=tmp_path)


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda p: p.name)
def test_every_real_forceorder_capture_row_is_loaded_or_quarantined(staged, capture):
    with capture.open(newline="") as f:
        rows_in = sum(1 for _ in csv.reader(f))
    loaded, reasons = _loaded_and_quarantined(staged, capture.name)
    assert loaded > 0
    assert loaded + sum(reasons.values()) == rows_in, (loaded, reasons)
    # symbols outside seed `symbols` (the captures hold hundreds of alts) are the main reason
    assert set(reasons) <= {"unknown_symbol", "inconsistent_usd_size"}, reasons


def test_forceorder_capture_quirks(staged):
    # NeoParth: `ap` is the literal None -> the order price p; two rows hold usd_size = q x p / 1e6
    corrupted = staged.execute(
        "select raw_record from staging.stg_venue_files__quarantine"
        " where quarantine_reason = 'inconsistent_usd_size' order by 1").fetchall()
    assert [r[0].split(",")[0] for r in corrupted] == ["BTC", "ETH"]
    assert all("NeoParth" in f for (f,) in staged.execute(
        "select source_file from staging.stg_venue_files__quarantine"
        " where quarantine_reason = 'inconsistent_usd_size'").fetchall())
    neo = staged.execute(
        "select price_basis, count(*), bool_and(price > 0) from staging.stg_binance__liquidations"
        " where source_format = 'forceorder-csv' and source_file like '%NeoParth%'"
        " and quarantine_reason is null group by 1").fetchall()
    assert neo == [("order", neo[0][1], True)]
    # BandsThoBaby_bigliqs keeps the USDT suffix on its last rows: BTCUSDT and BTC are one symbol
    kept_suffix = staged.execute(
        "select instrument, symbol, side, quantity, price from staging.stg_binance__liquidations"
        " where source_format = 'forceorder-csv' and instrument = 'BTCUSDT'"
        " and quarantine_reason is null order by liquidated_at"
    ).fetchall()
    # BTCUSDT,BUY,...,q 0.3, p 59910.98, ap 59672.30, z 0.300 -> a short liquidated, 0.3 BTC @ ap
    assert kept_suffix[0] == ("BTCUSDT", "BTC", "short", 0.3, 59672.30)


EXPECTED_HAND_WRITTEN = {
    # format: (loaded, quarantine reasons) -- see pytests/fixtures/venue_formats/README.md
    "forceorder-jsonl": (5, {"not_a_liquidation_message": 1, "duplicate_record": 1,
                             "non_positive_price": 1}),
    "all-liquidation-jsonl": (4, {"not_a_liquidation_message": 1, "invalid_side": 1,
                                  "unknown_symbol": 1}),
    "liquidation-orders-jsonl": (4, {"not_a_liquidation_message": 1,
                                     "unknown_contract_value": 1}),
    "fills-jsonl": (4, {"not_a_liquidation_message": 1, "not_a_liquidation_fill": 1,
                        "duplicate_record": 1}),
}


@pytest.mark.parametrize("fmt", sorted(EXPECTED_HAND_WRITTEN))
def test_hand_written_formats_load_or_quarantine_each_record(staged, fmt):
    loaded = staged.execute("select count(*) from intermediate.int_liquidations_unioned"
                            " where source_format = ?", [fmt]).fetchone()[0]
    reasons = dict(staged.execute("select quarantine_reason, count(*) from"
                                  " staging.stg_venue_files__quarantine where source_format = ?"
                                  " group by 1", [fmt]).fetchall())
    assert (loaded, reasons) == EXPECTED_HAND_WRITTEN[fmt]


def test_sides_and_units_are_normalised_once(staged):
    rows = {(r[0], r[1], r[2]): r[3:] for r in staged.execute(
        "select source_format, symbol, liquidated_at_ms, side, quantity, price_basis,"
        " is_snapshot_sampled from intermediate.int_liquidations_unioned u"
        " join (select source_format as f, symbol as s, liquidated_at, liquidated_at_ms"
        "       from staging.stg_bybit__liquidations union all"
        "       select source_format, symbol, liquidated_at, liquidated_at_ms"
        "       from staging.stg_okx__liquidations union all"
        "       select source_format, symbol, liquidated_at, liquidated_at_ms"
        "       from staging.stg_hyperliquid__liquidations union all"
        "       select source_format, symbol, liquidated_at, liquidated_at_ms"
        "       from staging.stg_binance__liquidations) k"
        " on u.source_format = k.f and u.symbol = k.s and u.liquidated_at = k.liquidated_at"
    ).fetchall()}
    t = 1760131200000  # 2025-10-10 21:20:00 UTC
    # Bybit: S=Buy is the POSITION side -> a long; p is the bankruptcy price
    assert rows[("all-liquidation-jsonl", "BTC", t + 100)] == ("long", 0.8, "bankruptcy", False)
    # OKX: 130 contracts x 0.01 BTC; posSide=long
    assert rows[("liquidation-orders-jsonl", "BTC", t + 700)] == (
        "long", pytest.approx(1.3), "bankruptcy", True)
    # OKX net mode: side=sell closes a long; 400 contracts x 1 SOL
    assert rows[("liquidation-orders-jsonl", "SOL", t + 900)][:2] == ("long", 400.0)
    # Binance: S=SELL (the order side) -> a long; ap is the price; the feed is sampled
    assert rows[("forceorder-jsonl", "BTC", t + 1000)] == ("long", 0.5, "average_fill", True)
    # Hyperliquid: the liquidated user's fill B closes a short; a counterparty's B means a long
    assert rows[("fills-jsonl", "HYPE", t - 1500)][:1] == ("short",)
    assert rows[("fills-jsonl", "ETH", t - 1400)][:1] == ("long",)
    assert rows[("fills-jsonl", "BTC", t - 4000)] == ("long", 0.75, "fill", False)


def test_klines_with_and_without_header_duplicates_and_mark_prices(staged):
    def count(where: str) -> int:
        return staged.execute(f"select count(*) from staging.stg_binance__price_bars where {where}"
                              ).fetchone()[0]
    hourly = REAL / "binance_um_klines_1h" / "BTCUSDT_1h_2025-05-11_2025-08-10.csv"
    data_lines = len(hourly.read_text().splitlines()) - 1  # minus the header
    # the real 1-hour file: text timestamps, 3 exact duplicate rows removed with a count
    assert count("bar_interval_seconds = 3600") == data_lines
    assert count("bar_interval_seconds = 3600 and quarantine_reason = 'duplicate_row'") == 3
    assert count("bar_interval_seconds = 3600 and quarantine_reason is null") == data_lines - 3
    # mark-price klines are checked and kept, but are not trade prices
    assert count("price_type = 'mark' and quarantine_reason is null") == 288
    assert staged.execute("select count(*) from intermediate.int_price_bars_unioned"
                          " where price_type <> 'trade'").fetchone()[0] == 0


def test_funding_rates_with_jittered_times_and_scientific_notation(staged):
    rows = dict(staged.execute(
        "select symbol || ' ' || strftime(funding_at, '%Y-%m-%d %H:%M'), funding_rate"
        " from marts.fct_funding_rates").fetchall())
    assert rows["SOL 2025-10-11 00:00"] == pytest.approx(-0.00302761)
    lines = sum(len(p.read_text().splitlines()) - 1
                for p in (REAL / "binance_funding_rate").glob("*.csv"))
    assert len(rows) == lines
    # 1759161600001-style jitter is rounded to the settlement hour
    assert staged.execute("select count(*) from marts.fct_funding_rates"
                          " where extract(minute from funding_at) <> 0").fetchone()[0] == 0


def test_hyperliquid_account_liquidations_stay_at_their_own_grain(staged):
    path = REAL / "hyperliquid" / "hyperliquid-dex_historical_liquidations_2023.csv"
    loaded = staged.execute("select count(*) from staging.stg_hyperliquid__account_liquidations"
                            " where quarantine_reason is null").fetchone()[0]
    assert loaded == len(path.read_text().splitlines()) - 1
    assert staged.execute("select count(*) from intermediate.int_liquidations_unioned where"
                          " source_format = 'historical-liquidations-csv'").fetchone()[0] == 0


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """house-edge build's path (dbt build + gate + publish) on real Binance minutes and Binance
    forceOrder messages; the other venues are simulated."""
    target = tmp_path_factory.mktemp("mixed") / "house_edge.duckdb"
    # The README's worked example. The messages are BTC and SOL only: a fill of a venue fed by
    # files needs that venue's bar, and real minutes exist for those two symbols.
    extra = venue_files.build_vars(
        [(f"binance:klines-csv:{MINUTES}", "price_bars"),
         (f"binance:forceorder-jsonl:{HAND / 'binance_forceorder.jsonl'}", "liquidations")])
    root = publish.project_root()
    raw = {k: root / "data" / "sample" / f"raw_{k}.csv"
           for k in ("price_bars", "positions", "liquidations")}
    report = publish.build_and_publish(raw_paths=raw, target=target, echo=False,
                                       extra_vars=extra)
    con = duckdb.connect(str(target), read_only=True)
    yield con, report
    con.close()


def test_real_minutes_build_into_the_price_marts_with_the_known_lows(mixed):
    con, _ = mixed
    lows = {r[0]: r[1:] for r in con.execute(
        "select symbol, low_price, strftime(bar_opened_at, '%H:%M') from marts.fct_price_bars"
        " where venue = 'binance' qualify row_number() over"
        " (partition by symbol order by low_price, bar_opened_at) = 1").fetchall()}
    assert lows == {"BTC": (101516.5, "21:20"), "SOL": (141.28, "21:21")}
    assert con.execute("select distinct source_format from marts.fct_price_bars"
                       " where venue = 'binance'").fetchall() == [("klines-csv",)]


def test_mixed_build_publishes_real_binance_and_simulated_other_venues(mixed):
    con, report = mixed
    assert report.validation is not None and report.validation.success
    by_venue = dict(con.execute("select venue, count(*) from marts.fct_liquidations"
                                " group by 1").fetchall())
    # the repeated push, the zero fill and the subscription reply are quarantined
    assert by_venue["binance"] == EXPECTED_HAND_WRITTEN["forceorder-jsonl"][0]
    assert min(by_venue[v] for v in ("bybit", "okx", "hyperliquid")) > 100
    # the waves run on the mixed input; the market's drawdown is read on the real BTC bars
    waves = con.execute("select count(*), max(price_drawdown_rate) from marts.fct_cascade_waves"
                        " where scope = 'market'").fetchone()
    # real BTCUSDT fell from ~116.6k (20:00) to 101,516.5 (21:20) during the waterfall
    assert waves[0] >= 1 and waves[1] > 0.05, waves


def test_parquet_klines_are_read_by_position_like_csv(staged):
    bars = staged.execute(
        "select count(*), min(low_price), arg_min(strftime(bar_opened_at, '%H:%M'), low_price)"
        " from intermediate.int_price_bars_unioned where symbol = 'ADA'").fetchone()
    assert bars == (240, 141.28, "21:21")
