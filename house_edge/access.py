"""The one locked way into the published DuckDB file, for every reader in this package and for
anyone who follows the README.

``read_only=True`` alone still lets a query read host files (``read_csv('/etc/passwd')``) and
write them (``COPY ... TO``, ``EXPORT DATABASE``). ``enable_external_access=false`` plus
``lock_configuration=true`` closes those, but DuckDB 1.5.5 still accepts
``CALL enable_logging(storage_path='/some/dir')`` under that lock: the log manager then fails
every later query on every connection to the file in the process (its directory is
"disabled by configuration") and the process aborts at exit. No setting refuses the call
itself, but ``disabled_filesystems='LocalFileSystem'`` makes it fail up front ("Can not enable
file logging with the LocalFileSystem disabled") and leaves the connection usable. That setting
can only be set once the database is running (not in ``duckdb.connect(config=...)``), so it is
SET after opening and the configuration is locked last.

The price: with the local file system disabled, a query that needs more memory than
``memory_limit`` cannot spill to ``temp_directory`` and fails instead ("File system
LocalFileSystem has been disabled by configuration"). The marts are small enough for that never
to matter on the sample, and a reader who needs spilling wants a private copy anyway.

DuckDB shares one database instance per file and configuration within a process, so the
settings (and the lock) apply to every connection to the file opened through this helper.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

# Passed to duckdb.connect (must match on every in-process connection to the same file).
OPEN_CONFIG: dict[str, bool] = {"enable_external_access": False}
# SET after opening, in this order; lock_configuration last so nothing below can be undone.
LOCK_STATEMENTS: tuple[str, ...] = (
    "SET disabled_filesystems = 'LocalFileSystem'",
    "SET lock_configuration = true",
)
# A path that is never read: only the refusal's wording is looked at.
_PROBE = "select * from read_text('/house-edge-access-probe')"
_LOCKED_MARK = "LocalFileSystem has been disabled"


class AccessError(RuntimeError):
    """The warehouse cannot be opened locked (missing file, or an unlocked instance in-process)."""


def published_warehouse() -> Path:
    """The published warehouse a reader opens (HOUSE_EDGE_PUBLISHED_PATH, else the checkout's
    warehouse/house_edge.duckdb), or AccessError saying what to do: outside the checkout the
    project root cannot be found, and a missing file means nothing was built yet."""
    from house_edge import config

    try:
        path = config.published_path()
    except config.BuildError as exc:
        raise AccessError("no House Edge checkout here (no dbt_project.yml in this directory or "
                          "above): run from the checkout, or set HOUSE_EDGE_PUBLISHED_PATH to "
                          "the warehouse file") from exc
    if not path.is_file():
        raise AccessError(f"{path} does not exist yet: run `house-edge build` first")
    return path


def connect_published(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only with external access off, the local file system disabled
    and the configuration locked; every documented way into the file goes through here.

    Raises AccessError (one line, saying what to do) if the file does not exist or if this
    process already holds the same file open without these settings.
    """
    path = Path(path)
    if not path.is_file():
        raise AccessError(f"{path} does not exist: run `house-edge build` first "
                          "(or set HOUSE_EDGE_PUBLISHED_PATH)")
    try:
        con = duckdb.connect(str(path), read_only=True, config=OPEN_CONFIG)
    except duckdb.ConnectionException as exc:
        raise AccessError(f"{path} is already open in this process with another configuration; "
                          f"close those connections first ({exc})") from exc
    except duckdb.Error as exc:
        raise AccessError(f"{path} cannot be opened as a DuckDB database: {exc}") from exc
    locked = con.execute("select current_setting('lock_configuration')").fetchone()[0]
    if not locked:
        for statement in LOCK_STATEMENTS:
            con.execute(statement)
        return con
    # Another connection in this process opened the same instance and locked it: make sure it
    # was locked with the local file system off (the setting's value is not readable back).
    try:
        con.execute(_PROBE)
    except duckdb.Error as exc:
        if _LOCKED_MARK in str(exc):
            return con
    con.close()
    raise AccessError(f"{path} is already open in this process, locked without "
                      "disabled_filesystems='LocalFileSystem'; open it only through "
                      "house_edge.access.connect_published")


def missing_relations(con: duckdb.DuckDBPyConnection, relations: list[str]) -> list[str]:
    """The ``schema.name`` tables or views in ``relations`` that the warehouse lacks, so a reader
    can say which marts an empty or partial build is missing instead of a CatalogException."""
    present = {f"{schema}.{name}" for schema, name in con.execute(
        "select schema_name, table_name from duckdb_tables() union all "
        "select schema_name, view_name from duckdb_views()").fetchall()}
    return [r for r in relations if r not in present]
