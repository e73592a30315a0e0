"""Export the published warehouse's marts and reference tables as Parquet or CSV files, with a
manifest saying which build they came from (`house-edge export`).

Why not ``connect_published``: it disables DuckDB's local file system (see house_edge/access.py),
so ``COPY ... TO`` cannot write a file through it, by design. This module instead opens an
in-memory DuckDB and ATTACHes the published file READ_ONLY into it. The attached file cannot be
written (a read-only attach), and the only SQL that runs on this connection is written here:
identifiers come from the file's own catalog and are quoted, paths are quoted literals; no
reader's SQL ever reaches it. Attaching (rather than ``duckdb.connect(path, read_only=True)``)
also works in a process that already holds the file through ``connect_published``: DuckDB
refuses a second ``connect`` to the same file with a different configuration, but an attach
lives in its own in-memory instance.

Atomic-ish: every file is written into ``DIR/.export-tmp`` first; only when all tables and the
manifest are written are they moved into ``DIR`` (``marts/``, ``reference/``, then
``manifest.json`` last, each one rename). A failed export removes ``.export-tmp`` and leaves
``DIR`` as it was, so a set with a ``manifest.json`` is always complete.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

SCHEMAS: tuple[str, ...] = ("marts", "reference")
FORMATS: tuple[str, ...] = ("parquet", "csv")
TMP_NAME = ".export-tmp"
MANIFEST_NAME = "manifest.json"
# ISO 8601 in UTC: the connection's TimeZone is UTC, so TIMESTAMPTZ values print in UTC too
# and the marts' TIMESTAMP columns are UTC by convention (the event is dated in UTC).
CSV_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_ALIAS = "published"
# Parquet has no 128-bit integer: DuckDB writes HUGEINT/UHUGEINT as DOUBLE there, which loses
# digits past 2**53 (measured: marts.fct_cascade_waves.wave_number came back DOUBLE). They are
# written as DECIMAL(38,0) instead, exact for every value below 10**38 (a larger one fails the
# export rather than being rounded). CSV is text and keeps every type as it is. Marts and seeds
# built now have no HUGEINT (counts are BIGINT: README "Types"); the cast stays for files built
# before, which users still export.
PARQUET_CASTS: dict[str, str] = {"HUGEINT": "DECIMAL(38,0)", "UHUGEINT": "DECIMAL(38,0)"}
# The build_info columns the manifest carries (null if an older build lacks one).
BUILD_KEYS: tuple[str, ...] = ("dbt_invocation_id", "built_at", "published_at")


class ExportError(RuntimeError):
    """An export that cannot run or did not complete; the message is one line for the CLI."""


@dataclass
class ExportReport:
    """What was written: the manifest as saved, and how long it took."""

    directory: Path
    manifest: dict[str, Any]
    seconds: float = 0.0
    tables: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(t["rows"] for t in self.tables)


def _literal(text: str) -> str:
    """A SQL string literal (paths may hold quotes)."""
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    """A quoted SQL identifier (names come from the file's catalog, never from a user)."""
    return '"' + name.replace('"', '""') + '"'


def _iso(value: Any) -> str | None:
    """Timestamps in the manifest as ISO 8601 UTC (naive ones are UTC in this warehouse)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return str(value)


def _open(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the published file attached read-only (see module docstring)."""
    if not warehouse.is_file():
        raise ExportError(f"{warehouse} does not exist: run `house-edge build` first "
                          "(or set HOUSE_EDGE_PUBLISHED_PATH)")
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"ATTACH {_literal(str(warehouse))} AS {_ALIAS} (READ_ONLY)")
    except duckdb.Error as exc:
        con.close()
        raise ExportError(f"{warehouse} cannot be opened as a DuckDB database: "
                          f"{str(exc).splitlines()[0]}") from exc
    return con


def _relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Every table and view of the exported schemas, in a stable order."""
    placeholders = ", ".join("?" for _ in SCHEMAS)
    return [(s, n) for s, n in con.execute(
        f"select schema_name, table_name from duckdb_tables() "
        f"where database_name = ? and schema_name in ({placeholders}) "
        f"union all select schema_name, view_name from duckdb_views() "
        f"where database_name = ? and schema_name in ({placeholders}) and not internal "
        f"order by 1, 2", [_ALIAS, *SCHEMAS, _ALIAS, *SCHEMAS]).fetchall()]


def _build_info(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """marts.build_info's one row (which build this is), keys absent from the file as null."""
    try:
        cur = con.execute(f"select * from {_ALIAS}.marts.build_info")
    except duckdb.CatalogException as exc:
        raise ExportError("the warehouse has no marts.build_info: it is not a House Edge build "
                          "(run `house-edge build`)") from exc
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    if len(rows) != 1:
        raise ExportError(f"marts.build_info has {len(rows)} rows, expected 1")
    info = dict(zip(names, rows[0], strict=True))
    return {key: _iso(info.get(key)) for key in BUILD_KEYS}


def _columns(con: duckdb.DuckDBPyConnection, rel: str,
             fmt: str) -> tuple[list[dict[str, str]], str]:
    """The manifest's columns (type as written in the file, and the warehouse's type where it
    differs) and the select list that writes them."""
    columns, select = [], []
    for name, wh_type, *_ in con.execute(f"describe {rel}").fetchall():
        file_type = PARQUET_CASTS.get(wh_type, wh_type) if fmt == "parquet" else wh_type
        column = {"name": name, "type": file_type}
        if file_type != wh_type:
            column["warehouse_type"] = wh_type
            select.append(f"cast({_ident(name)} as {file_type}) as {_ident(name)}")
        else:
            select.append(_ident(name))
        columns.append(column)
    return columns, ", ".join(select)


def _copy_options(fmt: str) -> str:
    if fmt == "parquet":
        return "FORMAT parquet, COMPRESSION zstd"
    return (f"FORMAT csv, HEADER true, DELIMITER ',', "
            f"TIMESTAMPFORMAT {_literal(CSV_TIMESTAMP_FORMAT)}, DATEFORMAT '%Y-%m-%d'")


def _prepare(directory: Path, force: bool) -> None:
    """Refuse a non-empty DIR unless forced; a file where DIR should be is always refused."""
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory} exists and is not a directory")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise ExportError(f"{directory} exists and is not empty: choose an empty directory "
                          "or pass --force to replace the export in it")


def export(warehouse: Path, directory: Path, fmt: str = "parquet",
           force: bool = False) -> ExportReport:
    """Write every table of schemas marts and reference to ``directory/<schema>/<table>.<fmt>``
    and ``directory/manifest.json`` (rows, columns with types, file; the build; export time).

    Raises ExportError (one line) for a missing or unreadable warehouse, a non-empty directory
    without ``force``, or a failed write; the directory is then left as it was.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    t0 = time.perf_counter()
    warehouse = Path(warehouse).resolve()
    directory = Path(directory).resolve()
    _prepare(directory, force)
    con = _open(warehouse)
    created = not directory.exists()
    tmp = directory / TMP_NAME
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if tmp.exists():  # left by a killed export (only reachable with --force)
            shutil.rmtree(tmp)
        con.execute("BEGIN TRANSACTION")  # one snapshot of the file for every table
        build = _build_info(con)
        tables = []
        for schema, name in _relations(con):
            rel = f"{_ALIAS}.{_ident(schema)}.{_ident(name)}"
            columns, select = _columns(con, rel, fmt)
            relative = f"{schema}/{name}.{fmt}"
            (tmp / schema).mkdir(parents=True, exist_ok=True)
            written = con.execute(f"copy (select {select} from {rel}) to "
                                  f"{_literal(str(tmp / relative))} ({_copy_options(fmt)})"
                                  ).fetchone()[0]
            tables.append({"schema": schema, "name": name, "file": relative,
                           "rows": int(written), "columns": columns})
        con.execute("COMMIT")
        manifest = {
            "format": fmt,
            "exported_at": _iso(datetime.now(UTC)),
            "warehouse": str(warehouse),
            "build": build,
            "csv": ({"header": True, "timestamps": "ISO 8601, UTC (" + CSV_TIMESTAMP_FORMAT + ")",
                     "null": "empty field; an empty string is written as \"\""}
                    if fmt == "csv" else None),
            "tables": tables,
        }
        (tmp / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
        _swap_in(tmp, directory)
    except (duckdb.Error, OSError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if created:
            shutil.rmtree(directory, ignore_errors=True)
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ExportError(f"export to {directory} failed, nothing written: {message}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if created:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    finally:
        con.close()
    return ExportReport(directory=directory, manifest=manifest, tables=tables,
                        seconds=time.perf_counter() - t0)


def _swap_in(tmp: Path, directory: Path) -> None:
    """Move the finished set from tmp into directory: the old manifest goes first (the old set
    stops claiming to be complete), the new one last (the new set claims it once it is)."""
    old_manifest = directory / MANIFEST_NAME
    if old_manifest.exists():
        old_manifest.unlink()
    for schema in SCHEMAS:
        target = directory / schema
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        if (tmp / schema).exists():
            (tmp / schema).rename(target)
    (tmp / MANIFEST_NAME).rename(old_manifest)
    tmp.rmdir()
