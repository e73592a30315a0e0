"""The bad-input corpus (pytests/fixtures/bad_inputs, regenerate with its make_corpus.py).

Every malformed raw file ends in exactly one of two outcomes, asserted exactly here:
  * an ERROR before dbt runs (house_edge/raw_files.py, called by publish.run_dbt): a BuildError
    naming the file, the line and the column -- no stack trace, nothing built;
  * QUARANTINE: the file loads, each bad row is in staging's `_quarantine` with its reason, with
    exact counts, and rows in = rows loaded + rows quarantined.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from house_edge import publish

CORPUS = Path(__file__).resolve().parent / "fixtures" / "bad_inputs"
ERRORS = CORPUS / "errors"
QUARANTINE_LIQ = CORPUS / "quarantine" / "liquidations"

# (file, table, fragments the error must contain: file name, line, column, what is wrong)
ERROR_CASES = [
    ("liquidations__unbalanced_quote.csv", "liquidations",
     ["line 4,", "column 'venue'", "unbalanced quote"]),
    ("liquidations__wrong_column_count.csv", "liquidations",
     ["line 4,", "column #10 (after 'is_shown_in_public_feed')", "10 fields, expected 9"]),
    ("liquidations__non_numeric_price.csv", "liquidations",
     ["line 5,", "column 'price' (7 of 9)", "not a number (DOUBLE): '218.94 USD'"]),
    ("liquidations__timezone_offset.csv", "liquidations",
     ["line 3,", "column 'liquidated_at_ms' (8 of 9)", "not an integer",
      "'2025-10-10T21:15:00+02:00'", "no timezone offsets"]),
    ("liquidations__empty_file.csv", "liquidations",
     ["line 1,", "column 'liquidation_id'", "empty file, no header row"]),
    ("liquidations__header_only.csv", "liquidations",
     ["line 2,", "column 'liquidation_id'", "header only, no data rows"]),
    ("liquidations__semicolon_delimiter.csv", "liquidations",
     ["line 1,", "column 'liquidation_id'", "the delimiter is ';', expected ','"]),
    ("liquidations__extra_column.csv", "liquidations",
     ["line 1,", "column 'fee_usd' (10 of 10)", "unexpected column"]),
    ("liquidations__missing_column.csv", "liquidations",
     ["line 1,", "column 'side' (5 of 9)", "missing from the header"]),
    ("liquidations__columns_reordered.csv", "liquidations",
     ["line 1,", "column 'price' (6 of 9)", "out of order, expected 'quantity'"]),
    ("liquidations__truncated_last_line.csv", "liquidations",
     ["line 6,", "column 'side' (5 of 9)", "5 fields, expected 9", "truncated file?"]),
    ("price_bars__late_type_change.csv", "price_bars",
     ["line 2002,", "column 'close' (7 of 10)", "not a number (DOUBLE): 'n/a'"]),
    ("positions__non_numeric_leverage.csv", "positions",
     ["line 4,", "column 'leverage' (7 of 12)", "not a number (DOUBLE): '20x'"]),
    # ---- oversized fields (issue 14 item 7a; h-access block) ----
    ("liquidations__oversized_field.csv", "liquidations",
     ["line 4,", "column 'price' (7 of 9)", "not a number (DOUBLE): 'xxxxxxxxxx",
      "... (204,800 characters)"]),
    # ---- end h-access block ----
]


@pytest.mark.parametrize("name,table,fragments", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_unreadable_file_fails_naming_file_line_and_column(tmp_path, name, table, fragments):
    db = tmp_path / "house_edge.duckdb"
    with pytest.raises(publish.BuildError) as info:
        publish.run_dbt(["build", "--select", f"+stg_simulator__{table}"], publish.project_root(),
                        db, publish.raw_vars({table: ERRORS / name}), echo=False)
    message = str(info.value)
    for fragment in [f"{name}: line", *fragments]:
        assert fragment in message, message
    assert "Traceback" not in message
    assert "the published warehouse was not touched" in message
    assert not db.exists()  # stopped before dbt ran


# (file, liquidation_id range, rows loaded, {reason: rows quarantined})
QUARANTINE_CASES = [
    ("01_zero_negative_price.csv", 100, 2, {"non_positive_price": 2}),
    ("02_nan_inf.csv", 200, 2, {"non_finite_price": 3, "non_finite_quantity": 1}),
    ("03_duplicate_ids.csv", 300, 2, {"duplicate_key": 2}),
    ("04_timestamp_seconds.csv", 400, 2, {"timestamp_unit": 2}),
    ("05_timestamp_micro_nano.csv", 500, 2, {"timestamp_unit": 2}),
    ("06_out_of_window.csv", 600, 2, {"outside_event_window": 2}),
    ("07_unknown_venue_symbol.csv", 700, 2, {"unknown_venue": 1, "unknown_symbol": 1}),
    ("08_side_spellings.csv", 800, 4, {"invalid_side": 2}),  # "LONG ", " Short" load
    ("09_absurd_magnitude.csv", 900, 2, {"implausible_price": 2}),
    ("10_utf8_bom.csv", 1000, 3, {}),  # BOM skipped, every row loads
]
EMPTY_ID_CASE = ("11_empty_fields.csv", 1100, 2, {"null_required_value": 1, "null_key": 1})


def _data_rows(path: Path) -> int:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return sum(1 for row in csv.reader(f) if row) - 1


@pytest.fixture(scope="module")
def quarantine_build(tmp_path_factory):
    """One staging build over every quarantine file at once (a glob), tests included."""
    db = tmp_path_factory.mktemp("corpus") / "house_edge.duckdb"
    publish.run_dbt(["build", "--select", "+stg_simulator__liquidations",
                     "+stg_simulator__liquidations_quarantine",
                     "--resource-type", "seed", "--resource-type", "model",
                     "--resource-type", "test", "--exclude", "test_type:unit",
                     "--indirect-selection", "cautious"],
                    publish.project_root(), db,
                    {"raw_liquidations_path": str(QUARANTINE_LIQ / "*.csv")}, echo=False)
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def _outcome(con, lo: int) -> tuple[int, dict[str, int], int]:
    """Rows loaded and {reason: n} quarantined for liquidation ids in [lo, lo + 100)."""
    loaded = con.execute("select count(*) from staging.stg_simulator__liquidations"
                         " where liquidation_id >= ? and liquidation_id < ?",
                         [lo, lo + 100]).fetchone()[0]
    reasons = dict(con.execute(
        "select quarantine_reason, count(*) from staging.stg_simulator__liquidations_quarantine"
        " where liquidation_id >= ? and liquidation_id < ? group by 1", [lo, lo + 100]).fetchall())
    return loaded, reasons


@pytest.mark.parametrize("name,lo,loaded,reasons", QUARANTINE_CASES,
                         ids=[c[0] for c in QUARANTINE_CASES])
def test_bad_rows_are_quarantined_with_reason_and_exact_counts(quarantine_build, name, lo,
                                                               loaded, reasons):
    got_loaded, got_reasons = _outcome(quarantine_build, lo)
    assert (got_loaded, got_reasons) == (loaded, reasons)
    assert got_loaded + sum(got_reasons.values()) == _data_rows(QUARANTINE_LIQ / name)


def test_empty_fields_are_quarantined_as_nulls(quarantine_build):
    name, lo, loaded, reasons = EMPTY_ID_CASE
    got_loaded, got_reasons = _outcome(quarantine_build, lo)
    null_ids = dict(quarantine_build.execute(
        "select quarantine_reason, count(*) from staging.stg_simulator__liquidations_quarantine"
        " where liquidation_id is null group by 1").fetchall())
    got_reasons = {**got_reasons, **null_ids}
    assert (got_loaded, got_reasons) == (loaded, reasons)
    assert got_loaded + sum(got_reasons.values()) == _data_rows(QUARANTINE_LIQ / name)


def test_quarantine_corpus_conserves_every_row(quarantine_build):
    rows_in = sum(_data_rows(p) for p in QUARANTINE_LIQ.glob("*.csv"))
    loaded = quarantine_build.execute(
        "select count(*) from staging.stg_simulator__liquidations").fetchone()[0]
    quarantined = quarantine_build.execute(
        "select count(*) from staging.stg_simulator__liquidations_quarantine").fetchone()[0]
    expected_q = sum(sum(r.values()) for *_, r in [*QUARANTINE_CASES, EMPTY_ID_CASE])
    expected_l = sum(n for _, _, n, _ in [*QUARANTINE_CASES, EMPTY_ID_CASE])
    assert (loaded, quarantined) == (expected_l, expected_q)
    assert loaded + quarantined == rows_in


def test_corpus_covers_at_least_twenty_kinds():
    assert len(ERROR_CASES) + len(QUARANTINE_CASES) + 1 >= 20
    files = {p.name for p in ERRORS.glob("*.csv")} | {p.name for p in QUARANTINE_LIQ.glob("*.csv")}
    listed = {c[0] for c in ERROR_CASES} | {c[0] for c in QUARANTINE_CASES} | {EMPTY_ID_CASE[0]}
    assert files == listed  # no fixture without an asserted outcome


# (table, file, rows loaded, {reason: rows quarantined}): the same checks on the other sources
OTHER_SOURCE_CASES = [
    ("positions", "unit_magnitude_side.csv", 2,
     {"timestamp_unit": 1, "implausible_price": 1, "invalid_side": 1}),
    ("price_bars", "unit_magnitude.csv", 2, {"timestamp_unit": 1, "implausible_price": 1}),
]


@pytest.fixture(scope="module")
def other_sources_build(tmp_path_factory):
    db = tmp_path_factory.mktemp("corpus_other") / "house_edge.duckdb"
    select = [f"+stg_simulator__{t}{q}" for t, *_ in OTHER_SOURCE_CASES
              for q in ("", "_quarantine")]
    publish.run_dbt(["build", "--select", *select,
                     "--resource-type", "seed", "--resource-type", "model",
                     "--resource-type", "test", "--exclude", "test_type:unit",
                     "--indirect-selection", "cautious"],
                    publish.project_root(), db,
                    publish.raw_vars({t: CORPUS / "quarantine" / t / f
                                      for t, f, *_ in OTHER_SOURCE_CASES}), echo=False)
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


@pytest.mark.parametrize("table,name,loaded,reasons", OTHER_SOURCE_CASES,
                         ids=[c[0] for c in OTHER_SOURCE_CASES])
def test_other_sources_quarantine_unit_and_magnitude(other_sources_build, table, name, loaded,
                                                     reasons):
    got_loaded = other_sources_build.execute(
        f"select count(*) from staging.stg_simulator__{table}").fetchone()[0]
    got_reasons = dict(other_sources_build.execute(
        f"select quarantine_reason, count(*) from staging.stg_simulator__{table}_quarantine"
        " group by 1").fetchall())
    assert (got_loaded, got_reasons) == (loaded, reasons)
    rows_in = _data_rows(CORPUS / "quarantine" / table / name)
    assert got_loaded + sum(got_reasons.values()) == rows_in
