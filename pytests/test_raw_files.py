"""The raw-CSV pre-flight (house_edge/raw_files.py) on huge fields and large files: the same line
limit as DuckDB's read_csv, a clear message instead of `_csv.Error`, and memory bounded by one
line rather than proportional to the file (it used to hold the file ~4.4 times over)."""

from __future__ import annotations

import csv
import io
import tracemalloc
from pathlib import Path

import duckdb
import pytest

from house_edge import publish, raw_files
from pytests.conftest import ROOT, SAMPLE

COLUMNS = raw_files.contract(ROOT)["liquidations"]


def _sample_rows(n: int) -> tuple[list[str], list[list[str]]]:
    with open(SAMPLE / "raw_liquidations.csv", newline="") as f:
        reader = csv.reader(f)
        return next(reader), [row for _, row in zip(range(n), reader, strict=False)]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _duckdb_reads(path: Path) -> bool:
    """Does DuckDB's read_csv, with the sources' options, load the file?"""
    types = ", ".join(f"'{name}': '{data_type.upper()}'" for name, data_type in COLUMNS)
    try:
        duckdb.sql(f"select count(*) from read_csv('{path}', header = true, auto_detect = false, "
                   f"delim = ',', quote = '\"', escape = '\"', columns = {{{types}}})").fetchall()
    except duckdb.InvalidInputException:
        return False
    return True


@pytest.mark.parametrize("extra, accepted", [(0, True), (1, False)],
                         ids=["at the limit", "one byte over"])
def test_line_limit_is_duckdbs(tmp_path, extra, accepted):
    """A line of exactly MAX_LINE_BYTES (its line break included) passes both the pre-flight and
    DuckDB; one byte more fails both, the pre-flight naming the line and the column the limit
    falls in."""
    header, rows = _sample_rows(3)
    venue = header.index("venue")
    line = ",".join(rows[1])
    # the line and its "\n" make exactly MAX_LINE_BYTES (+ extra)
    rows[1][venue] += "x" * (raw_files.MAX_LINE_BYTES - 1 - len(line.encode()) + extra)
    path = _write(tmp_path / "raw_liquidations.csv", header, rows)
    assert _duckdb_reads(path) is accepted
    if accepted:
        raw_files.check_csv(path, COLUMNS)
        return
    with pytest.raises(publish.BuildError) as info:
        raw_files.check_csv(path, COLUMNS)
    message = str(info.value)
    assert ("raw_liquidations.csv: line 3, column 'venue' (3 of 9): the line is longer than "
            "2,000,000 bytes with its line break (DuckDB's max_line_size)") in message
    assert len(message) < 1000 and "Traceback" not in message


def test_a_huge_unclosed_field_is_named_and_later_lines_still_checked(tmp_path):
    """A 5 MB value with no line break (a quote never closed, a binary blob) is reported at its
    line and column; the scan resumes after it and reports the next bad line too."""
    header, rows = _sample_rows(4)
    rows[2][header.index("price")] = "oops"
    path = tmp_path / "raw_liquidations.csv"
    lines = [",".join(header), ",".join(rows[0]),
             ",".join(rows[1][:4]) + ',"' + "y" * 5_000_000, ",".join(rows[2])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(publish.BuildError) as info:
        raw_files.check_csv(path, COLUMNS)
    message = str(info.value)
    assert "line 3, column 'side' (5 of 9): the line is longer than 2,000,000 bytes" in message
    assert "line 4, column 'price' (7 of 9): not a number (DOUBLE): 'oops'" in message
    assert len(message) < 2000


def _peak_bytes(path: Path) -> int:
    tracemalloc.start()
    try:
        raw_files.check_csv(path, COLUMNS)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_is_bounded_by_a_line_not_the_file(tmp_path):
    """A 2 MB valid file is checked with a peak under 0.4 MB of Python allocations
    (the old read-and-split held ~4.4 times the file); a 6 MB single-line field costs a few
    times the 2 MB line limit, not its own size."""
    header, rows = _sample_rows(2000)
    path = tmp_path / "raw_liquidations.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        while f.tell() < 2_000_000:
            writer.writerows(rows)
    size = path.stat().st_size
    assert _peak_bytes(path) < 400_000 < size / 5

    huge = tmp_path / "huge" / "raw_liquidations.csv"
    huge.parent.mkdir()
    huge.write_text(",".join(header) + "\n" + ",".join(rows[0][:2]) + ",\"" + "z" * 6_000_000
                    + "\n", encoding="utf-8")
    with pytest.raises(publish.BuildError):
        raw_files.check_csv(huge, COLUMNS)
    tracemalloc.start()
    try:
        with pytest.raises(publish.BuildError, match="line 2, column 'venue'"):
            raw_files.check_csv(huge, COLUMNS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * raw_files.MAX_LINE_BYTES < huge.stat().st_size


def test_csv_field_limit_is_restored(tmp_path):
    """The pre-flight raises the csv module's process-wide field limit only while it runs."""
    before = csv.field_size_limit()
    raw_files.check_csv(SAMPLE / "raw_liquidations.csv", COLUMNS)
    assert csv.field_size_limit() == before
