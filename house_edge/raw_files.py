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
million lines); large inputs should be Parquet, as the benchmark's are.
"""

from __future__ import annotations

import csv
import glob
import re
from pathlib import Path

import yaml

from house_edge.publish import RAW_VARS, BuildError

SOURCES_YAML = Path("models") / "staging" / "simulator" / "_simulator__sources.yml"
MAX_PROBLEMS = 10
_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_NON_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
_BOOL = {"true", "false", "t", "f", "1", "0", "yes", "no", "y", "n"}
_OTHER_DELIMITERS = (";", "\t", "|")


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


def check_csv(path: Path, columns: list[tuple[str, str]]) -> None:
    """Raise BuildError naming file, line and column for the first problems in one CSV."""
    names = [c for c, _ in columns]
    expected = ",".join(names)

    def fail(problems: list[str]) -> None:
        raise BuildError(f"raw file {path} cannot be read as expected (header: {expected}):\n"
                         + "\n".join(f"  {path.name}: {p}" for p in problems)
                         + "\nnothing was built; the published warehouse was not touched.")

    if not path.exists():
        fail(["line 1: file not found"])
    data = path.read_bytes()
    if not data.strip():
        fail([f"line 1, column '{names[0]}' (1 of {len(names)}): empty file, no header row"])
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # UTF-8 BOM: DuckDB skips it too
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        fail([f"line {line}: not UTF-8 (byte {data[exc.start]:#04x})"])
    lines = text.splitlines(keepends=True)
    ends_with_newline = text.endswith(("\n", "\r"))

    header_line = lines[0].rstrip("\r\n")
    header = [h.strip() for h in _split(header_line)]
    if header != names:
        problems = []
        if len(header) == 1 and any(d in header_line for d in _OTHER_DELIMITERS):
            delim = next(d for d in _OTHER_DELIMITERS if d in header_line)
            problems.append(f"line 1, column '{names[0]}' (1 of {len(names)}): the delimiter is "
                            f"{delim!r}, expected ','")
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
                first = next(i for i, (a, b) in pairs if a != b)
                problems.append(f"line 1, column '{header[first]}' ({first + 1} of "
                                f"{len(names)}): columns out of order, expected "
                                f"'{names[first]}' here (columns are read by position)")
        fail(problems)

    problems: list[str] = []
    data_lines = 0
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.rstrip("\r\n")
        if line.strip() == "":
            continue
        data_lines += 1
        truncated = number == len(lines) and not ends_with_newline
        quote_col = _unbalanced_quote_column(line)
        if quote_col is not None:
            col = names[quote_col - 1] if quote_col <= len(names) else f"#{quote_col}"
            problems.append(f"line {number}, column '{col}' ({quote_col} of {len(names)}): "
                            f"unbalanced quote (a '\"' opens a field and is never closed)")
        else:
            fields = _split(line)
            if len(fields) != len(names):
                where = (f"column '{names[len(fields) - 1]}' ({len(fields)} of {len(names)})"
                         if len(fields) < len(names) else
                         f"column #{len(names) + 1} (after '{names[-1]}')")
                hint = " (the last line is cut short: truncated file?)" if truncated else ""
                problems.append(f"line {number}, {where}: {len(fields)} fields, expected "
                                f"{len(names)}{hint}")
            else:
                for i, (value, (name, data_type)) in enumerate(zip(fields, columns, strict=True)):
                    why = _type_problem(value, data_type)
                    if why:
                        hint = " (the last line is cut short: truncated file?)" if truncated \
                            else ""
                        problems.append(f"line {number}, column '{name}' ({i + 1} of "
                                        f"{len(names)}): {why}: {value!r}{hint}")
                        break
        if len(problems) >= MAX_PROBLEMS:
            problems.append(f"(stopped after {MAX_PROBLEMS} problems)")
            break
    if problems:
        fail(problems)
    if data_lines == 0:
        fail([f"line 2, column '{names[0]}' (1 of {len(names)}): header only, no data rows"])


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

