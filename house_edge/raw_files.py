"""Pre-flight checks of raw CSV files, run by ``publish.run_dbt`` before dbt reads them.

The sources (models/staging/simulator/_simulator__sources.yml) read CSVs with ``read_csv`` and
explicit column types, mapped BY POSITION. DuckDB's own errors on a malformed file are not always
clear (a reordered or missing header column is read silently into the wrong column; an
unbalanced quote reports a line far from the cause; an empty file or a ';' delimiter gives a
generic sniffer/cast error). So before dbt runs, each CSV given through a raw dbt var is scanned
once against the contract in the sources YAML (column names, order and ``data_type``) and the
first problems are raised as one ``BuildError`` naming the file, the line (1-based, the header
is line 1) and the column, e.g.::

    raw_liquidations.csv: line 7, column 'price' (7 of 9): not a number (DOUBLE): 'abc'

What is checked here is only what makes a file unreadable or ambiguous: encoding, header,
delimiter, quoting, field count, values that do not parse as the column's type. Values that parse
but are wrong (zero or NaN prices, unknown venues, timestamps in seconds, duplicates...) are left
to staging, which quarantines them with a reason (macros/simulator_checked.sql). A UTF-8 BOM is
accepted (DuckDB skips it). Empty fields are accepted: they become NULL and are quarantined.

Venue files (var ``venue_files``, ``house-edge build --venue-file``) get one check here,
``check_venue_files``: every file a path matches must hold a record (an empty or header-only file
is a BuildError naming it). Their records are otherwise parsed and quarantined by staging.

Parquet files carry their own schema and are not scanned. The scan is pure Python (~1 s per
million lines), streamed one line at a time: memory stays bounded by the longest line, itself
capped at DuckDB's ``max_line_size``. Large inputs should be Parquet, as the benchmark's are.
"""

from __future__ import annotations

import csv
import glob
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import yaml

from house_edge.config import RAW_VARS, BuildError

SOURCES_YAML = Path("models") / "staging" / "simulator" / "_simulator__sources.yml"
MAX_PROBLEMS = 10
# DuckDB read_csv's default max_line_size (bytes, line break included): a longer line fails the
# load, so it fails here first.
MAX_LINE_BYTES = 2_000_000
_SHOW_CHARS = 60  # characters of a bad value quoted in a message
_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_NON_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
_BOOL = {"true", "false", "t", "f", "1", "0", "yes", "no", "y", "n"}
_OTHER_DELIMITERS = (";", "\t", "|")
_QUOTED_OR_COMMA = re.compile(rb'"(?:[^"]++|"")*+(?:"|\Z)|,')  # possessive: no backtracking stack
_COMMA = ord(",")


def contract(root: Path) -> dict[str, list[tuple[str, str]]]:
    """{table: [(column, data_type), ...]} in file order, from the sources YAML."""
    spec = yaml.safe_load((root / SOURCES_YAML).read_text())
    out = {}
    for source in spec["sources"]:
        for table in source["tables"]:
            # columns the reader adds (e.g. DuckDB's `filename`) are not in the file
            out[table["name"]] = [(c["name"], c["data_type"].lower()) for c in table["columns"]
                                  if not (c.get("meta") or {}).get("added_by_reader")]
    return out


def _type_problem(value: str, data_type: str) -> str | None:
    """Why value does not parse as data_type (None if it does; empty means NULL)."""
    v = value.strip()
    if v == "":
        return None
    if data_type == "bigint":
        if _INT.match(v):
            return None
        hint = ""
        if re.match(r"^\d{4}-\d{2}-\d{2}", v):
            hint = " (an ISO date/time; timestamp columns hold epoch milliseconds, " \
                   "no timezone offsets)"
        return f"not an integer (BIGINT){hint}"
    if data_type == "double":
        if _FLOAT.match(v) or v.lower() in _NON_FINITE:
            return None
        return "not a number (DOUBLE)"
    if data_type == "boolean":
        return None if v.lower() in _BOOL else "not a boolean (true/false)"
    return None  # varchar


def _unbalanced_quote_column(line: str) -> int | None:
    """1-based field index where an unclosed quote opens, or None if quotes balance."""
    field, in_quote, opened_at = 1, False, None
    i = 0
    while i < len(line):
        ch = line[i]
        if in_quote:
            if ch == '"':
                if i + 1 < len(line) and line[i + 1] == '"':
                    i += 1  # escaped quote
                else:
                    in_quote = False
        elif ch == '"':
            in_quote, opened_at = True, field
        elif ch == ",":
            field += 1
        i += 1
    return opened_at if in_quote else None


def _split(line: str) -> list[str]:
    return next(csv.reader([line], delimiter=",", quotechar='"', doublequote=True))


def _longest_field(content: bytes) -> int:
    """1-based index of the longest field in (the start of) an over-long line, commas inside
    quotes skipped: the field to name when the line is too long. Regex over bytes, no copy."""
    starts = [0] + [m.end() for m in _QUOTED_OR_COMMA.finditer(content)
                    if content[m.start()] == _COMMA]
    lengths = [end - start for start, end in zip(starts, [*starts[1:], len(content)],
                                                  strict=True)]
    return 1 + max(range(len(lengths)), key=lengths.__getitem__)


def _show(value: str) -> str:
    """The value as quoted in a message, cut short so a huge field cannot flood the error."""
    if len(value) <= _SHOW_CHARS:
        return repr(value)
    return f"{value[:_SHOW_CHARS]!r}... ({len(value):,} characters)"


def _lines(f: BinaryIO) -> Iterator[tuple[int, bytes, bool, bool]]:
    """(line number, content without its line break, too long, last line without a break), one
    line in memory at a time: a line over MAX_LINE_BYTES is cut at the limit and the rest of it
    skipped in chunks, so memory stays bounded whatever the file holds."""
    number = 0
    while True:
        raw = f.readline(MAX_LINE_BYTES + 2)
        if not raw:
            return
        number += 1
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # UTF-8 BOM: DuckDB skips it too
        too_long = False
        if not raw.endswith(b"\n") and len(raw) == MAX_LINE_BYTES + 2:
            too_long = True
            while True:  # skip the rest of the line
                rest = f.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            ends = bool(rest)
        else:
            ends = raw.endswith(b"\n")
        # DuckDB counts the line break in the line's size (measured: 1,999,999 bytes + "\n" load,
        # 1,999,998 + "\r\n" load, one byte more fails)
        too_long = too_long or len(raw) > MAX_LINE_BYTES
        yield number, raw if too_long else raw.rstrip(b"\r\n"), too_long, not ends


def check_csv(path: Path, columns: list[tuple[str, str]]) -> None:
    """Raise BuildError naming file, line and column for the first problems in one CSV.

    The file is streamed line by line (never held whole), so a multi-GB raw file costs at most
    one line of memory (<= MAX_LINE_BYTES, DuckDB's own limit) on top of the problems found.
    """
    names = [c for c, _ in columns]
    expected = ",".join(names)

    def fail(problems: list[str]) -> None:
        raise BuildError(f"raw file {path} cannot be read as expected (header: {expected}):\n"
                         + "\n".join(f"  {path.name}: {p}" for p in problems)
                         + "\nnothing was built; the published warehouse was not touched.")

    def where(index: int) -> str:
        """'column 'x' (i of n)' for a 0-based field index, or the position past the last."""
        if index < len(names):
            return f"column '{names[index]}' ({index + 1} of {len(names)})"
        return f"column #{index + 1} (after '{names[-1]}')"

    if not path.is_file():
        fail(["line 1: file not found"])
    # fields up to DuckDB's line limit are legal; the csv module's default stops at 128 KiB
    previous_limit = csv.field_size_limit(MAX_LINE_BYTES + 1)
    try:
        with open(path, "rb") as f:
            problems = _check_lines(_lines(f), columns, where)
    finally:
        csv.field_size_limit(previous_limit)
    if problems:
        fail(problems)


def _decode(number: int, content: bytes) -> tuple[str | None, str | None]:
    """(text, None) or (None, the problem) for one line's bytes."""
    try:
        return content.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"line {number}: not UTF-8 (byte {content[exc.start]:#04x})"


def _too_long(number: int, content: bytes, where: Callable[[int], str]) -> str:
    return (f"line {number}, {where(_longest_field(content) - 1)}: the line is longer than "
            f"{MAX_LINE_BYTES:,} bytes with its line break (DuckDB's max_line_size); is a field "
            "missing its closing quote, or the file not CSV?")


def _check_lines(lines: Iterator[tuple[int, bytes, bool, bool]], columns: list[tuple[str, str]],
                 where: Callable[[int], str]) -> list[str]:
    """The problems in a stream of lines (header first), at most MAX_PROBLEMS of them."""
    names = [c for c, _ in columns]
    first = f"column '{names[0]}' (1 of {len(names)})"
    header_line = None
    for number, content, too_long, _ in lines:
        if too_long:
            return [_too_long(number, content, where)]
        if content.strip():
            if number > 1:  # blank lines, then text: the first line is not the header
                return [f"line 1, {first}: the first line is blank, expected the header"]
            header_line, problem = _decode(number, content)
            if problem:
                return [problem]
            break
    if header_line is None:
        return [f"line 1, {first}: empty file, no header row"]

    try:
        header = [h.strip() for h in _split(header_line)]
    except csv.Error as exc:
        return [f"line 1, {first}: the header is not CSV ({exc})"]
    if header != names:
        problems = []
        if len(header) == 1 and any(d in header_line for d in _OTHER_DELIMITERS):
            delim = next(d for d in _OTHER_DELIMITERS if d in header_line)
            problems.append(f"line 1, {first}: the delimiter is {delim!r}, expected ','")
        else:
            for i, name in enumerate(names):
                if name not in header:
                    problems.append(f"line 1, column '{name}' ({i + 1} of {len(names)}): "
                                    f"missing from the header")
            for i, name in enumerate(header):
                if name not in names:
                    problems.append(f"line 1, column '{name}' ({i + 1} of {len(header)}): "
                                    f"unexpected column, not in the contract")
            if not problems:
                pairs = enumerate(zip(header, names, strict=False))
                at = next(i for i, (a, b) in pairs if a != b)
                problems.append(f"line 1, column '{header[at]}' ({at + 1} of "
                                f"{len(names)}): columns out of order, expected "
                                f"'{names[at]}' here (columns are read by position)")
        return problems

    problems: list[str] = []
    data_lines = 0
    for number, content, too_long, truncated in lines:
        if too_long:
            problems.append(_too_long(number, content, where))
        elif content.strip():
            data_lines += 1
            line, problem = _decode(number, content)
            if problem:
                problems.append(problem)
            elif (problem := _row_problem(number, line, columns, where, truncated)) is not None:
                problems.append(problem)
        if len(problems) >= MAX_PROBLEMS:
            problems.append(f"(stopped after {MAX_PROBLEMS} problems)")
            break
    if not problems and data_lines == 0:
        problems.append(f"line 2, {first}: header only, no data rows")
    return problems


def _row_problem(number: int, line: str, columns: list[tuple[str, str]],
                 where: Callable[[int], str], truncated: bool) -> str | None:
    """The first problem in one data line, or None."""
    names = [c for c, _ in columns]
    hint = " (the last line is cut short: truncated file?)" if truncated else ""
    quote_col = _unbalanced_quote_column(line)
    if quote_col is not None:
        return (f"line {number}, {where(quote_col - 1)}: unbalanced quote (a '\"' opens a field "
                f"and is never closed)")
    try:
        fields = _split(line)
    except csv.Error as exc:  # e.g. a stray quote inside an unquoted field
        return f"line {number}: not CSV ({exc})"
    if len(fields) != len(names):
        at = len(fields) - 1 if len(fields) < len(names) else len(names)
        return f"line {number}, {where(at)}: {len(fields)} fields, expected {len(names)}{hint}"
    for i, (value, (_, data_type)) in enumerate(zip(fields, columns, strict=True)):
        why = _type_problem(value, data_type)
        if why:
            return f"line {number}, {where(i)}: {why}: {_show(value)}{hint}"
    return None


def _venue_file_problem(path: Path, fmt: str) -> str | None:
    """Why a venue file yields no record (None when it has one): 0 bytes, blank lines only,
    or (CSV) a header row only. Reads only up to the first data line."""
    if path.stat().st_size == 0:
        return "empty file (0 bytes), no records"
    if path.name.endswith((".parquet", ".gz", ".zst")) or path.name.endswith(".json"):
        return None  # read whole by DuckDB; an empty one is caught by the dbt test
    is_json = fmt.endswith(("jsonl", "json"))
    first_text = None
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            if is_json:
                return None  # a record (a malformed one is quarantined, not lost)
            fields = next(csv.reader([line]))
            if any(_FLOAT.match(v.strip()) for v in fields):
                return None  # a data row: a header row has no number in it
            first_text = first_text or (number, line.strip()[:60])
    if first_text:
        return f"line {first_text[0]}: header only ({first_text[1]!r}), no data rows"
    return "blank lines only, no records"


def check_venue_files(entries: list[dict] | None) -> None:
    """Pre-flight of the venue files (var ``venue_files``): every file a path matches must hold a
    record. An empty or header-only file is a BuildError naming it, before dbt runs (plain dbt
    finds the same files with tests/venue_files/assert_venue_files_have_records.sql)."""
    problems = []
    for entry in entries or []:
        paths = entry.get("path")
        for pattern in [paths] if isinstance(paths, str) else (paths or []):
            text = str(pattern)
            matches = sorted(glob.glob(text)) if any(c in text for c in "*?[") else [text]
            label = f"{entry.get('venue')}:{entry.get('format')}"
            if not matches or not all(Path(m).is_file() for m in matches):
                problems.append(f"venue file {text} ({label}): no file matches")
                continue
            for match in matches:
                problem = _venue_file_problem(Path(match), str(entry.get("format", "")))
                if problem:
                    problems.append(f"venue file {match} ({label}): {problem}")
    if problems:
        raise BuildError("\n".join(problems[:MAX_PROBLEMS])
                         + "\nremove the file from the path or fix the capture; "
                           "the published warehouse was not touched.")


def check_raw_files(root: Path, variables: dict[str, str]) -> None:
    """Scan every CSV named by a raw dbt var (globs expanded); Parquet is skipped. Then the
    venue files (check_venue_files)."""
    check_venue_files(variables.get("venue_files"))  # type: ignore[arg-type]
    tables = None
    for table, var in RAW_VARS.items():
        value = variables.get(var)
        if not value or str(value).endswith(".parquet"):
            continue
        tables = tables or contract(root)
        text = str(value)
        paths = sorted(glob.glob(text)) if any(c in text for c in "*?[") else [text]
        if not paths:
            raise BuildError(f"raw {table}: no file matches {text!r}; "
                             f"the published warehouse was not touched.")
        for p in paths:
            if not p.endswith(".parquet"):
                check_csv(Path(p), tables[table])

