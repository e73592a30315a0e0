"""Venue files that yield nothing, or bad records, never pass silently (issue 14, items 2 and 9).

Cases are in the bad-input corpus, pytests/fixtures/bad_inputs/venue (make_corpus.py's venue block):
  * errors/: an empty (0-byte) or header-only file is an ERROR naming the file, before dbt runs
    (``house-edge build``: raw_files.check_venue_files) and in plain dbt (the singular test
    tests/venue_files/assert_venue_files_have_records.sql);
  * quarantine/: a klines file whose records are all quarantined, one whose name carries no
    symbol, and forceOrder JSON lines with a truncated last line / a malformed middle line. The
    bad JSON line is quarantined as ``malformed_json`` with its 1-based line number and raw text
    while the good lines load; the publish gate (validate.py suite venue_files) fails on the
    all-quarantined files naming them, their main reason and the ``:symbol=`` hint.
Rows in = loaded + quarantined is checked per file against the files' own lines.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from house_edge import cli, publish, validate
from house_edge.raw_files import check_venue_files

ROOT = Path(__file__).resolve().parents[1]
VENUE = ROOT / "pytests" / "fixtures" / "bad_inputs" / "venue"
ERRORS, QUARANTINE = VENUE / "errors", VENUE / "quarantine"
KLINES_EMPTY = ERRORS / "klines_empty" / "BTCUSDT-1m-2025-10-10.csv"
KLINES_HEADER = ERRORS / "klines_header_only" / "BTCUSDT-1m-2025-10-10.csv"
JSONL_EMPTY = ERRORS / "forceorder_empty.jsonl"
ALL_QUARANTINED = QUARANTINE / "klines_all_quarantined" / "BTCUSDT-1m-2025-10-10.csv"
NO_SYMBOL = QUARANTINE / "klines_no_symbol" / "klines.csv"
TRUNCATED = QUARANTINE / "forceorder_truncated_last_line.jsonl"
MALFORMED_MIDDLE = QUARANTINE / "forceorder_malformed_middle_line.jsonl"
REAL_MINUTES = ROOT / "pytests" / "fixtures" / "real" / "binance_um_klines_1m"

# (file, format, fragment of the pre-flight error after the file's name)
ERROR_CASES = [
    (KLINES_EMPTY, "klines-csv", "(binance:klines-csv): empty file (0 bytes), no records"),
    (KLINES_HEADER, "klines-csv", "(binance:klines-csv): line 1: header only ('open_time,open,"),
    (JSONL_EMPTY, "forceorder-jsonl", "(binance:forceorder-jsonl): empty file (0 bytes)"),
]


def _entry(fmt: str, path: Path | str, **options: str) -> dict:
    return {"venue": "binance", "format": fmt, "path": str(path), **options}


def _dbt(args: list[str], db: Path, entries: list[dict]) -> subprocess.CompletedProcess:
    """Plain dbt (no house-edge pre-flight), as a dbt user runs it."""
    cmd = [publish.dbt_executable(), *args, "--project-dir", str(ROOT), "--profiles-dir", str(ROOT),
           "--vars", json.dumps({"venue_files": entries})]
    env = dict(os.environ, HOUSE_EDGE_DUCKDB_PATH=str(db))
    return subprocess.run(cmd, cwd=ROOT, env=env, text=True, capture_output=True)


def test_every_venue_corpus_file_has_an_asserted_outcome():
    cases = {KLINES_EMPTY, KLINES_HEADER, JSONL_EMPTY, ALL_QUARANTINED, NO_SYMBOL, TRUNCATED,
             MALFORMED_MIDDLE}
    assert {p for p in VENUE.rglob("*") if p.is_file()} == cases
    assert KLINES_EMPTY.stat().st_size == 0 and JSONL_EMPTY.stat().st_size == 0
    assert len(TRUNCATED.read_text().split("\n")) == 9  # 9 lines, no newline after the cut one


# ------------------------------------------------------------------ (a) files with no record

@pytest.mark.parametrize("path,fmt,fragment", ERROR_CASES, ids=[c[0].parent.name + "/" + c[0].name
                                                                 for c in ERROR_CASES])
def test_empty_or_header_only_venue_file_fails_before_dbt_naming_it(tmp_path, path, fmt, fragment):
    db = tmp_path / "house_edge.duckdb"
    with pytest.raises(publish.BuildError) as info:
        publish.run_dbt(["build", "--select", "stg_venue_files__inputs"], ROOT, db,
                        {"venue_files": [_entry(fmt, path)]}, echo=False)
    message = str(info.value)
    assert f"venue file {path} {fragment}" in message, message
    assert "the published warehouse was not touched" in message
    assert not db.exists()  # stopped before dbt ran


def test_preflight_passes_files_with_records_and_names_every_bad_one():
    # real klines with a header, both malformed JSON-lines cases: records, so no error
    check_venue_files([_entry("klines-csv", REAL_MINUTES / "*.csv"),
                       _entry("forceorder-jsonl", QUARANTINE / "*.jsonl"),
                       _entry("klines-csv", NO_SYMBOL)])
    with pytest.raises(publish.BuildError) as info:
        check_venue_files([_entry("klines-csv", ERRORS / "klines_*" / "*.csv")])
    assert str(info.value).count("venue file ") == 2, info.value  # the glob's two files


def test_cli_build_refuses_an_empty_venue_file_with_its_name(tmp_path):
    result = CliRunner().invoke(cli.main, ["build", "--quiet", "--price-bars",
                                           f"binance:klines-csv:{KLINES_EMPTY}"])
    assert result.exit_code == 1, result.output
    assert f"venue file {KLINES_EMPTY} (binance:klines-csv): empty file (0 bytes)" in result.output
    assert "Traceback" not in result.output


def test_plain_dbt_fails_naming_every_venue_file_without_records(tmp_path):
    db = tmp_path / "e.duckdb"
    proc = _dbt(["build", "--select", "+stg_venue_files__inputs+", "--indirect-selection",
                 "cautious"], db,
                [_entry("klines-csv", ERRORS / "klines_*" / "*.csv"),
                 _entry("forceorder-jsonl", JSONL_EMPTY)])
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Runtime Error in test assert_venue_files_have_records" in out, out
    for path, fmt, _ in ERROR_CASES:
        assert f"venue file {path} (binance:{fmt})" in out, out
    assert "no records (an empty file, or a header row only)" in out


# ------------------------------------------- quarantined records, malformed JSON lines, the gate

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Plain dbt on the quarantine corpus (+ a top-level JSON array file, still read whole),
    including the per-format rows-in = loaded + quarantined test."""
    tmp = tmp_path_factory.mktemp("venue_inputs")
    array_file = tmp / "forceorder_array.json"
    lines = [line for line in MALFORMED_MIDDLE.read_text().splitlines() if line.strip()]
    # the same two messages with another quantity, so they are not duplicates of the .jsonl's
    array_file.write_text("[\n" + ",\n".join(lines[:2]).replace('"0.010"', '"0.020"') + "\n]\n")
    db = tmp / "q.duckdb"
    proc = _dbt(["build", "--select", "+assert_venue_rows_are_loaded_or_quarantined",
                 "+stg_venue_files__inputs+", "--indirect-selection", "cautious"], db,
                [_entry("klines-csv", QUARANTINE / "klines_*" / "*.csv"),
                 _entry("forceorder-jsonl", QUARANTINE / "*.jsonl"),
                 _entry("forceorder-jsonl", array_file)])
    assert proc.returncode == 0, proc.stdout[-4000:]
    con = duckdb.connect(str(db), read_only=True)
    yield db, con, array_file
    con.close()


def _file(con, path: Path) -> dict:
    row = con.execute("select record_count, loaded_count, quarantined_count,"
                      " main_quarantine_reason, main_quarantine_hint"
                      " from staging.stg_venue_files__inputs where source_file = ?",
                      [str(path)]).fetchone()
    reasons = dict(con.execute("select quarantine_reason, count(*) from"
                               " staging.stg_venue_files__quarantine where source_file = ?"
                               " group by 1", [str(path)]).fetchall())
    return {"records": row[0], "loaded": row[1], "quarantined": row[2], "main": row[3],
            "hint": row[4], "reasons": reasons}


def test_all_quarantined_and_no_symbol_klines_are_counted_with_reason_and_hint(built):
    _, con, _ = built
    for path, reason in [(ALL_QUARANTINED, "high_below_low"), (NO_SYMBOL, "unknown_symbol")]:
        data_rows = len(path.read_text().splitlines()) - 1  # minus the header
        got = _file(con, path)
        assert (got["records"], got["loaded"], got["quarantined"], got["reasons"]) == (
            data_rows, 0, data_rows, {reason: data_rows}), (path, got)
    hint = _file(con, NO_SYMBOL)["hint"]
    assert ":symbol=BTC" in hint and "symbol: BTC" in hint and "no symbol in the file name" in hint
    assert _file(con, ALL_QUARANTINED)["hint"] is None


@pytest.mark.parametrize("path,bad_line", [(TRUNCATED, 9), (MALFORMED_MIDDLE, 4)],
                         ids=["truncated_last_line", "malformed_middle_line"])
def test_a_malformed_json_line_is_quarantined_with_its_line_and_the_rest_loads(built, path,
                                                                               bad_line):
    _, con, _ = built
    lines = path.read_text().split("\n")
    records = [line for line in lines if line.strip()]  # a blank line is not a record
    got = _file(con, path)
    assert (got["records"], got["loaded"], got["reasons"]) == (
        len(records), len(records) - 1, {"malformed_json": 1}), got
    quarantined = con.execute("select source_line_number, raw_record, quarantine_hint from"
                              " staging.stg_venue_files__quarantine where source_file = ?",
                              [str(path)]).fetchall()
    assert quarantined == [(bad_line, lines[bad_line - 1], quarantined[0][2])]
    assert "not valid JSON" in quarantined[0][2]
    loaded = con.execute("select count(*) from staging.stg_binance__liquidations where"
                         " source_file = ? and quarantine_reason is null", [str(path)]).fetchone()
    assert loaded[0] == len(records) - 1


def test_a_top_level_json_array_file_is_still_read_whole(built):
    _, con, array_file = built
    assert _file(con, array_file)["records"] == 2
    assert _file(con, array_file)["loaded"] == 2


def test_the_gate_fails_on_all_quarantined_files_naming_file_reason_and_hint(built, tmp_path):
    db, _, array_file = built
    settings = validate.load_settings(ROOT)
    summary = validate.validate(db, tmp_path / "gate", settings,
                                suites={"venue_files": validate.venue_files_suite})
    critical = {r.name: r for r in summary.critical_failures}
    assert set(critical) == {"venue_klines_csv_file_not_all_quarantined"}
    examples = {e["source_file"]: e for e in critical[
        "venue_klines_csv_file_not_all_quarantined"].examples}
    assert examples[str(ALL_QUARANTINED)]["main_quarantine_reason"] == "high_below_low"
    assert examples[str(NO_SYMBOL)]["main_quarantine_reason"] == "unknown_symbol"
    assert ":symbol=BTC" in examples[str(NO_SYMBOL)]["main_quarantine_hint"]
    # files that still load records are above the default rate 0: warnings, not a refusal
    assert {r.name for r in summary.warnings} == {"quarantine_rate_venue_klines_csv",
                                                  "quarantine_rate_venue_forceorder_jsonl"}
    # the lines publish.run_gate puts in its BuildError: the file, the reason, the hint
    message = "\n".join(validate.describe(r) for r in summary.critical_failures)
    for fragment in [f"e.g. source_file={ALL_QUARANTINED},",
                     "main_quarantine_reason=high_below_low", f"e.g. source_file={NO_SYMBOL},",
                     "main_quarantine_reason=unknown_symbol",
                     "give it with :symbol=BTC on --venue-file"]:
        assert fragment in message, message
    # raising the rate to 1 accepts them (the setting governs the check)
    relaxed = validate.validate(db, tmp_path / "gate3", {**settings,
                                                          "gate_max_quarantine_rate": 1.0},
                                suites={"venue_files": validate.venue_files_suite})
    assert relaxed.success and not relaxed.warnings
    assert str(array_file) not in message  # a clean file is not named


def test_build_with_a_wholly_quarantined_klines_file_is_refused_and_publishes_nothing(tmp_path):
    """house-edge build's path end to end: dbt passes, the gate refuses, the published file
    stays byte for byte what it was."""
    target = tmp_path / "house_edge.duckdb"
    target.write_bytes(b"the previously published warehouse")
    raw = {k: ROOT / "data" / "sample" / f"raw_{k}.csv"
           for k in ("price_bars", "positions", "liquidations")}
    with pytest.raises(publish.BuildError) as info:
        publish.build_and_publish(raw_paths=raw, target=target, echo=False, extra_vars={
            "venue_files": [_entry("klines-csv", NO_SYMBOL)]})
    message = str(info.value)
    for fragment in ["the publish gate failed", "venue_klines_csv_file_not_all_quarantined",
                     f"e.g. source_file={NO_SYMBOL},", "main_quarantine_reason=unknown_symbol",
                     "give it with :symbol=BTC on --venue-file",
                     "the published warehouse was not touched"]:
        assert fragment in message, message
    assert target.read_bytes() == b"the previously published warehouse"
