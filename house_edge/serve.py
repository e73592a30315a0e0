"""`house-edge serve`: a real PostgreSQL server holding a read-only copy of the published marts.

Why a real PostgreSQL and not a Postgres-wire shim over the DuckDB file: the shim that exists
(buenavista) fails psql's ``\\dt`` and SQLAlchemy's postgresql dialect (measured, see
shared/ECOSYSTEM.md), and a DuckDB behind it would still understand ``read_csv('/etc/passwd')``
and ``ATTACH``. PostgreSQL 15 (Debian package, ``make postgres`` installs it) passes psql,
psycopg, SQLAlchemy reflection and pandas, and its privilege system refuses what a BI user must
not do.

Layout (``data_dir``, default ``warehouse/postgres`` beside the published file, or
``HOUSE_EDGE_PG_DATA``)::

    cluster/          PGDATA (owned by the ``postgres`` OS user when run as root: initdb and
                      postgres refuse to run as root)
    admin.password    the cluster superuser's password (mode 0600; never handed to BI tools)

The database ``house_edge`` holds schemas ``marts`` and ``reference``, copies of the DuckDB
schemas of the same name with their descriptions (``COMMENT ON``, from dbt's persist_docs).
Every refresh loads into ``marts__loading``/``reference__loading`` and swaps them in one
transaction: a BI query sees the old tables or the new ones, never a mix or a half-loaded table.

The role BI tools use, ``house_edge_reader``, may connect to ``house_edge``, read those two
schemas and nothing else: no CREATE anywhere (not even TEMP), no ownership, no membership in
``pg_read_server_files``/``pg_write_server_files``/``pg_execute_server_program`` (so ``COPY``
to or from a file or program is refused), no large-object functions, and its sessions start
read-only (``default_transaction_read_only``; privileges still refuse writes if it turns that
off). ``ATTACH``, ``INSTALL``, ``read_csv`` are DuckDB words, not PostgreSQL: syntax errors here.

The server listens on 127.0.0.1 unless told otherwise; bound to any other address it refuses
to start without a reader password, and then requires it (scram-sha-256) from everyone. It
listens on TCP only (no Unix socket): a socket path lives under a 107-byte limit that a long
checkout path exceeds, and every connection, the admin's included, already goes over loopback
TCP with a password (the admin's: random, in a 0600 file).

Resource bounds on the reader (``ReaderLimits``, ``HOUSE_EDGE_PG_*`` variables). What a reader
can NOT raise: ``temp_file_limit`` (superuser-only, so the role setting binds: a runaway sort or
cross join fails at the limit instead of filling the disk), the role's connection limit, and the
server's ``max_connections``/``max_worker_processes``. What it can raise, because PostgreSQL 15
makes these user-settable and has no privilege to take that away (``transaction_timeout`` only
arrives in 17): ``statement_timeout``, the idle timeouts, ``work_mem``,
``client_connection_check_interval`` and the keepalives. They are defaults that protect against
accidents (a forgotten dashboard, a dead laptop), not against a hostile reader; the disk bound
holds either way. The server polls each running query's client every few seconds
(``client_connection_check_interval``) and TCP keepalives find silent peers, so a killed or
vanished client's query is cancelled instead of running to the end.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

DATABASE = "house_edge"
ADMIN_ROLE = "house_edge_admin"
READER_ROLE = "house_edge_reader"
SERVED_SCHEMAS = ("marts", "reference")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5433  # not 5432: leave the machine's own PostgreSQL alone
LOADING_SUFFIX = "__loading"

# Large-object functions let any role write into the database (and, server-side, the host:
# lo_import/lo_export are superuser-only already). The reader gets none of them.
LARGE_OBJECT_FUNCTIONS = ("lo_create(oid)", "lo_creat(integer)", "lo_from_bytea(oid, bytea)",
                          "lo_put(oid, bigint, bytea)", "lo_unlink(oid)", "lo_open(oid, integer)",
                          "lo_truncate(integer, integer)", "lo_truncate64(integer, bigint)",
                          "lowrite(integer, bytea)")


MAX_CONNECTIONS = 40  # server-wide; the reader's own limit must leave room for the admin
# Keepalives: a peer silent for 60 s is probed every 10 s and dropped after 6 misses (~2 min).
TCP_KEEPALIVES = {"tcp_keepalives_idle": "60", "tcp_keepalives_interval": "10",
                  "tcp_keepalives_count": "6"}
_SETTING_VALUE = re.compile(r"^\d+\s*(us|ms|s|min|h|d|B|kB|MB|GB|TB)?$")


class ServeError(RuntimeError):
    """The Postgres endpoint could not be set up, started or refreshed."""


def _setting(name: str, value: str) -> str:
    """A number with an optional PostgreSQL unit, nothing else: values end up in
    postgresql.conf and ALTER ROLE, so a stray quote must be refused, not written."""
    value = str(value).strip()
    if not _SETTING_VALUE.match(value):
        raise ServeError(f"{name} = {value!r}: expected a number with an optional unit "
                         f"(e.g. 300s, 5min, 2GB, 64MB)")
    return value


@dataclass(frozen=True)
class ReaderLimits:
    """Per-session bounds on ``house_edge_reader``, applied as role settings on every start.

    Defaults: generous enough for any dashboard query on the marts (scale 1 answers in
    milliseconds), small enough that one runaway query cannot take the host down."""

    statement_timeout: str = "300s"
    idle_in_transaction_session_timeout: str = "600s"
    idle_session_timeout: str = "1h"  # frees connection slots that a crashed tool leaked
    temp_file_limit: str = "2GB"  # per session (and per parallel worker), superuser-only
    work_mem: str = "32MB"
    connection_limit: int = 20
    client_connection_check_interval: str = "2s"  # server-wide

    def __post_init__(self) -> None:
        for name in ("statement_timeout", "idle_in_transaction_session_timeout",
                     "idle_session_timeout", "temp_file_limit", "work_mem",
                     "client_connection_check_interval"):
            _setting(name, getattr(self, name))
        if not 1 <= int(self.connection_limit) <= MAX_CONNECTIONS - 5:
            raise ServeError(f"reader connection limit {self.connection_limit}: expected 1.."
                             f"{MAX_CONNECTIONS - 5} (the server allows {MAX_CONNECTIONS}, "
                             f"some kept for the admin)")

    def role_settings(self) -> dict[str, str]:
        """The settings stored on the role (ALTER ROLE ... SET), applied at each login."""
        return {"statement_timeout": self.statement_timeout,
                "idle_in_transaction_session_timeout": self.idle_in_transaction_session_timeout,
                "idle_session_timeout": self.idle_session_timeout,
                "temp_file_limit": self.temp_file_limit,
                "work_mem": self.work_mem}

    @classmethod
    def from_env(cls) -> ReaderLimits:
        """Defaults, overridden by HOUSE_EDGE_PG_<SETTING> variables where set."""
        env = os.environ
        names = {"statement_timeout": "HOUSE_EDGE_PG_STATEMENT_TIMEOUT",
                 "idle_in_transaction_session_timeout": "HOUSE_EDGE_PG_IDLE_IN_TRANSACTION_TIMEOUT",
                 "idle_session_timeout": "HOUSE_EDGE_PG_IDLE_SESSION_TIMEOUT",
                 "temp_file_limit": "HOUSE_EDGE_PG_TEMP_FILE_LIMIT",
                 "work_mem": "HOUSE_EDGE_PG_WORK_MEM",
                 "connection_limit": "HOUSE_EDGE_PG_READER_CONNECTIONS",
                 "client_connection_check_interval": "HOUSE_EDGE_PG_CLIENT_CHECK_INTERVAL"}
        given = {field_: env[var] for field_, var in names.items() if env.get(var)}
        if "connection_limit" in given:
            try:
                given["connection_limit"] = int(given["connection_limit"])
            except ValueError as exc:
                raise ServeError(f"HOUSE_EDGE_PG_READER_CONNECTIONS="
                                 f"{given['connection_limit']!r}: expected a number") from exc
        return cls(**given)


@dataclass
class ServerConfig:
    data_dir: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    reader_password: str | None = None
    limits: ReaderLimits = field(default_factory=ReaderLimits)

    @property
    def cluster_dir(self) -> Path:
        return self.data_dir / "cluster"

    @property
    def log_file(self) -> Path:
        return self.cluster_dir / "server.log"

    @property
    def admin_password_file(self) -> Path:
        return self.data_dir / "admin.password"

    @property
    def listen_addresses(self) -> str:
        """The bound addresses, always with 127.0.0.1 (where refreshes connect as admin)."""
        hosts = [h.strip() for h in self.host.split(",") if h.strip()]
        return ",".join(hosts if any(h in ("127.0.0.1", "*", "0.0.0.0") for h in hosts)
                        else [*hosts, "127.0.0.1"])

    @property
    def connect_host(self) -> str:
        """Where local clients connect: a bound loopback address, else 127.0.0.1."""
        for h in (h.strip() for h in self.host.split(",")):
            if h == "::1":
                return h
        return "127.0.0.1"

    def reader_dsn(self) -> str:
        pw = f" password={self.reader_password}" if self.reader_password else ""
        return (f"host={self.connect_host} port={self.port} dbname={DATABASE} "
                f"user={READER_ROLE}{pw}")

    def reader_url(self, driver: str = "psycopg") -> str:
        pw = f":{self.reader_password}" if self.reader_password else ""
        host = f"[{self.connect_host}]" if ":" in self.connect_host else self.connect_host
        return f"postgresql+{driver}://{READER_ROLE}{pw}@{host}:{self.port}/{DATABASE}"

    def admin_dsn(self, dbname: str = DATABASE) -> str:
        return (f"host={self.connect_host} port={self.port} dbname={dbname} "
                f"user={ADMIN_ROLE} password={self.admin_password_file.read_text().strip()}")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, reader_password: str | None) -> None:
    """Loopback by default; any other address only with a reader password."""
    for part in (h.strip() for h in host.split(",")):
        if not is_loopback(part) and not reader_password:
            raise ServeError(
                f"refusing to listen on {part!r} without a password: anyone who can reach it "
                f"could read the warehouse. Set --password (or HOUSE_EDGE_PG_PASSWORD), or "
                f"keep the default {DEFAULT_HOST}.")


def config_from_env(published: Path, host: str | None = None, port: int | None = None,
                    data_dir: str | Path | None = None,
                    reader_password: str | None = None) -> ServerConfig:
    """Settings from arguments, else HOUSE_EDGE_PG_* environment variables, else defaults."""
    env = os.environ
    return ServerConfig(
        data_dir=Path(data_dir or env.get("HOUSE_EDGE_PG_DATA")
                      or published.parent / "postgres").resolve(),
        host=host or env.get("HOUSE_EDGE_PG_HOST", DEFAULT_HOST),
        port=int(port or env.get("HOUSE_EDGE_PG_PORT", DEFAULT_PORT)),
        reader_password=reader_password or env.get("HOUSE_EDGE_PG_PASSWORD") or None,
        limits=ReaderLimits.from_env())


# --- the server process -------------------------------------------------------------------

def pg_bindir() -> Path:
    """The newest installed PostgreSQL server's bin directory (Debian layout), or PG_BINDIR."""
    env = os.environ.get("HOUSE_EDGE_PG_BINDIR")
    candidates = [Path(env)] if env else sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    for cand in candidates:
        if (cand / "postgres").exists() and (cand / "initdb").exists():
            return cand
    raise ServeError("no PostgreSQL server found (looked in /usr/lib/postgresql/*/bin): "
                     "run `make postgres` (apt-get install postgresql) first")


def _as_server_user(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the Debian `postgres` user."""
    if os.geteuid() != 0:
        return cmd
    if shutil.which("runuser") is None:
        raise ServeError("running as root needs `runuser` to drop to the postgres user")
    return ["runuser", "-u", "postgres", "--", *cmd]


def _server_uid_gid() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    import pwd
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError as exc:
        raise ServeError("running as root but there is no `postgres` OS user to run the "
                         "server as; install the Debian postgresql package (make postgres)") \
            from exc
    return entry.pw_uid, entry.pw_gid


def _run(cmd: list[str], what: str, input_text: str | None = None,
         check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, input=input_text, text=True, capture_output=True)
    if check and proc.returncode != 0:
        raise ServeError(f"{what} failed (exit {proc.returncode}): "
                         f"{(proc.stderr or proc.stdout).strip()[-2000:]}")
    return proc


def _write_owned(path: Path, text: str, mode: int = 0o600) -> None:
    path.write_text(text)
    os.chmod(path, mode)
    ids = _server_uid_gid()
    if ids:
        os.chown(path, *ids)


def init_cluster(cfg: ServerConfig) -> None:
    """initdb once (idempotent); the superuser gets a random password kept in data_dir."""
    if (cfg.cluster_dir / "PG_VERSION").exists():
        return
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    cfg.cluster_dir.mkdir(mode=0o700, exist_ok=True)
    ids = _server_uid_gid()
    if ids:
        os.chown(cfg.cluster_dir, *ids)
        probe = _run(_as_server_user(["test", "-w", str(cfg.cluster_dir)]), "access check",
                     check=False)
        if probe.returncode != 0:
            raise ServeError(f"the postgres OS user cannot reach {cfg.cluster_dir}: every "
                             f"parent directory must be searchable (chmod o+x) or choose "
                             f"another --data-dir / HOUSE_EDGE_PG_DATA")
    password = secrets.token_urlsafe(24)
    cfg.admin_password_file.write_text(password + "\n")
    os.chmod(cfg.admin_password_file, 0o600)
    pwfile = cfg.data_dir / ".initdb.password"  # readable by the server user, then removed
    _write_owned(pwfile, password + "\n")
    try:
        _run(_as_server_user([str(pg_bindir() / "initdb"), "-D", str(cfg.cluster_dir),
                              "-U", ADMIN_ROLE, f"--pwfile={pwfile}", "--auth=scram-sha-256",
                              "-E", "UTF8", "--no-locale"]), "initdb")
    finally:
        pwfile.unlink(missing_ok=True)
    with open(cfg.cluster_dir / "postgresql.conf", "a") as conf:
        conf.write("\n# House Edge: listen address, port and limits\n"
                   "include_if_exists = 'house_edge.conf'\n")


def write_server_settings(cfg: ServerConfig) -> None:
    """postgresql.conf overrides and pg_hba.conf: who may connect from where, and how."""
    check_bind(cfg.host, cfg.reader_password)
    _write_owned(cfg.cluster_dir / "house_edge.conf", "\n".join([
        f"listen_addresses = '{cfg.listen_addresses}'",
        f"port = {cfg.port}",
        # TCP only: a socket under a deep data dir would pass the 107-byte path limit.
        "unix_socket_directories = ''",
        f"max_connections = {MAX_CONNECTIONS}",
        "max_worker_processes = 8",  # bounds parallel workers, each with its own temp limit
        "shared_buffers = '128MB'",
        # Validated by ReaderLimits: a number and a unit, no quote can get in.
        f"client_connection_check_interval = '{cfg.limits.client_connection_check_interval}'",
        *(f"{name} = {value}" for name, value in TCP_KEEPALIVES.items()),
        "password_encryption = 'scram-sha-256'",
        "log_min_messages = 'warning'",
        "log_connections = off",
        "",
    ]))
    reader_method = "scram-sha-256" if cfg.reader_password else "trust"
    lines = [
        "# Written by `house-edge serve`: rewritten on every start.",
        "# TYPE  DATABASE  USER  ADDRESS  METHOD",
        f"host all {ADMIN_ROLE} 127.0.0.1/32 scram-sha-256",
        f"host all {ADMIN_ROLE} ::1/128 scram-sha-256",
        f"host {DATABASE} {READER_ROLE} 127.0.0.1/32 {reader_method}",
        f"host {DATABASE} {READER_ROLE} ::1/128 {reader_method}",
    ]
    if any(not is_loopback(h.strip()) for h in cfg.host.split(",")):
        lines += [f"host {DATABASE} {READER_ROLE} 0.0.0.0/0 scram-sha-256",
                  f"host {DATABASE} {READER_ROLE} ::/0 scram-sha-256"]
    _write_owned(cfg.cluster_dir / "pg_hba.conf", "\n".join(lines) + "\n")


def is_running(cfg: ServerConfig) -> bool:
    if not (cfg.cluster_dir / "PG_VERSION").exists():
        return False
    proc = _run(_as_server_user([str(pg_bindir() / "pg_ctl"), "status", "-D",
                                 str(cfg.cluster_dir)]), "pg_ctl status", check=False)
    return proc.returncode == 0


def start(cfg: ServerConfig) -> None:
    """initdb if needed, write settings, start (or restart, to apply them), bootstrap roles."""
    check_bind(cfg.host, cfg.reader_password)
    init_cluster(cfg)
    write_server_settings(cfg)
    pg_ctl = str(pg_bindir() / "pg_ctl")
    action = "restart" if is_running(cfg) else "start"
    _run(_as_server_user([pg_ctl, action, "-D", str(cfg.cluster_dir), "-l", str(cfg.log_file),
                          "-w", "-t", "60"]),
         f"pg_ctl {action} (log: {cfg.log_file})")
    bootstrap(cfg)


def stop(cfg: ServerConfig) -> None:
    if is_running(cfg):
        _run(_as_server_user([str(pg_bindir() / "pg_ctl"), "stop", "-D", str(cfg.cluster_dir),
                              "-m", "fast", "-w", "-t", "60"]), "pg_ctl stop")


def _connect_admin(cfg: ServerConfig, dbname: str = DATABASE, autocommit: bool = False):
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            return psycopg.connect(cfg.admin_dsn(dbname), autocommit=autocommit,
                                   connect_timeout=10)
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline or "starting up" not in str(exc):
                raise ServeError(f"cannot connect to the endpoint on "
                                 f"{cfg.connect_host}:{cfg.port} as {ADMIN_ROLE}: {exc}") \
                    from exc
            time.sleep(0.5)


def bootstrap(cfg: ServerConfig) -> None:
    """The database and the read-only reader role, with every default privilege taken away."""
    from psycopg import sql

    with _connect_admin(cfg, "postgres", autocommit=True) as con:
        if not con.execute("select 1 from pg_database where datname = %s",
                           (DATABASE,)).fetchone():
            con.execute(sql.SQL("create database {}").format(sql.Identifier(DATABASE)))
        if not con.execute("select 1 from pg_roles where rolname = %s",
                           (READER_ROLE,)).fetchone():
            con.execute(sql.SQL("create role {} login").format(sql.Identifier(READER_ROLE)))
        reader = sql.Identifier(READER_ROLE)
        con.execute(sql.SQL(
            "alter role {} login nosuperuser nocreatedb nocreaterole noreplication "
            "nobypassrls noinherit connection limit {} password {}").format(
                reader, sql.Literal(int(cfg.limits.connection_limit)),
                sql.Literal(cfg.reader_password)))
        # Start from nothing: whatever the reader stored on its own role (it may ALTER ROLE
        # itself for user-settable parameters) is dropped on every start.
        con.execute(sql.SQL("alter role {} reset all").format(reader))
        for setting, value in (("default_transaction_read_only", sql.Literal("on")),
                               ("search_path", sql.SQL(", ").join(
                                   map(sql.Identifier, SERVED_SCHEMAS))),
                               *((name, sql.Literal(value)) for name, value in
                                 cfg.limits.role_settings().items())):
            con.execute(sql.SQL("alter role {} set {} = {}").format(
                reader, sql.Identifier(setting), value))
        for db in (DATABASE, "postgres", "template1"):
            con.execute(sql.SQL("revoke all on database {} from public").format(
                sql.Identifier(db)))
        con.execute(sql.SQL("grant connect on database {} to {}").format(
            sql.Identifier(DATABASE), reader))
    with _connect_admin(cfg, DATABASE, autocommit=True) as con:
        con.execute("revoke all on schema public from public")
        for fn in LARGE_OBJECT_FUNCTIONS:
            con.execute(f"revoke execute on function {fn} from public")


# --- publishing the marts into it ----------------------------------------------------------

_PG_TYPES = {
    "BOOLEAN": "boolean", "TINYINT": "smallint", "SMALLINT": "smallint", "UTINYINT": "smallint",
    "INTEGER": "integer", "USMALLINT": "integer", "BIGINT": "bigint", "UINTEGER": "bigint",
    "HUGEINT": "numeric", "UBIGINT": "numeric", "UHUGEINT": "numeric", "FLOAT": "real",
    "DOUBLE": "double precision", "VARCHAR": "text", "DATE": "date", "TIME": "time",
    "TIMESTAMP": "timestamp", "TIMESTAMP_S": "timestamp", "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_NS": "timestamp", "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval", "UUID": "uuid", "JSON": "jsonb",
}


def pg_type(duckdb_type: str) -> tuple[str, bool]:
    """(PostgreSQL type, whether DuckDB must cast the column to VARCHAR for the copy)."""
    if duckdb_type in _PG_TYPES:
        return _PG_TYPES[duckdb_type], False
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.replace("DECIMAL", "numeric"), False
    return "text", True  # LIST, STRUCT, MAP, BLOB, ...: their DuckDB text form


@dataclass
class RefreshReport:
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    source: str = ""


def _catalog(con: duckdb.DuckDBPyConnection):
    tables = con.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        "where database_name = current_database() and schema_name in ('marts', 'reference') "
        "order by 1, 2").fetchall()
    columns = {}
    for schema, table, name, dtype, comment in con.execute(
            "select schema_name, table_name, column_name, data_type, comment "
            "from duckdb_columns() where database_name = current_database() "
            "and schema_name in ('marts', 'reference') order by schema_name, table_name, "
            "column_index").fetchall():
        columns.setdefault((schema, table), []).append((name, dtype, comment))
    return tables, columns


def refresh(cfg: ServerConfig, published: Path, lock_timeout_s: int = 60) -> RefreshReport:
    """Copy the published warehouse's marts and reference tables in; swap atomically."""
    from psycopg import sql

    started = time.perf_counter()
    published = Path(published)
    if not published.exists():
        raise ServeError(f"{published} does not exist yet: run `house-edge build` first")
    report = RefreshReport(source=str(published))
    with tempfile.TemporaryDirectory(prefix="house_edge_pg_copy_") as tmp, \
            duckdb.connect(str(published), read_only=True) as dcon, \
            _connect_admin(cfg) as pcon:
        tables, columns = _catalog(dcon)
        if not any(s == "marts" for s, _, _ in tables):
            raise ServeError(f"{published} has no tables in schema marts")
        for schema in SERVED_SCHEMAS:
            loading = sql.Identifier(schema + LOADING_SUFFIX)
            pcon.execute(sql.SQL("drop schema if exists {} cascade").format(loading))
            pcon.execute(sql.SQL("create schema {}").format(loading))
        for schema, table, comment in tables:
            target = sql.Identifier(schema + LOADING_SUFFIX, table)
            cols = columns[(schema, table)]
            defs, selects = [], []
            for name, dtype, _ in cols:
                ptype, as_text = pg_type(dtype)
                defs.append(sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(ptype)))
                quoted = '"' + name.replace('"', '""') + '"'
                selects.append(f"cast({quoted} as varchar)" if as_text else quoted)
            pcon.execute(sql.SQL("create table {} ({})").format(target, sql.SQL(", ").join(defs)))
            csv_path = Path(tmp) / f"{schema}.{table}.csv"
            dcon.execute(f"copy (select {', '.join(selects)} from \"{schema}\".\"{table}\") "
                         f"to '{csv_path}' (format csv, header false)")
            with pcon.cursor().copy(sql.SQL("copy {} from stdin (format csv)").format(
                    target)) as copy, open(csv_path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
            csv_path.unlink()
            if comment:
                pcon.execute(sql.SQL("comment on table {} is {}").format(
                    target, sql.Literal(comment)))
            for name, _, col_comment in cols:
                if col_comment:
                    pcon.execute(sql.SQL("comment on column {}.{} is {}").format(
                        target, sql.Identifier(name), sql.Literal(col_comment)))
            report.tables[f"{schema}.{table}"] = pcon.execute(
                sql.SQL("select count(*) from {}").format(target)).fetchone()[0]
            pcon.execute(sql.SQL("analyze {}").format(target))
        pcon.commit()
        # The swap: one short transaction. BI queries running on the old tables finish first
        # (their locks), new ones wait for the commit and then read the new tables.
        pcon.execute(sql.SQL("set local lock_timeout = {}").format(
            sql.Literal(f"{lock_timeout_s}s")))
        reader = sql.Identifier(READER_ROLE)
        note = json.dumps({"source": str(published), "loaded_at": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        for schema in SERVED_SCHEMAS:
            pcon.execute(sql.SQL("drop schema if exists {} cascade").format(
                sql.Identifier(schema)))
            pcon.execute(sql.SQL("alter schema {} rename to {}").format(
                sql.Identifier(schema + LOADING_SUFFIX), sql.Identifier(schema)))
            pcon.execute(sql.SQL("grant usage on schema {} to {}").format(
                sql.Identifier(schema), reader))
            pcon.execute(sql.SQL("grant select on all tables in schema {} to {}").format(
                sql.Identifier(schema), reader))
            pcon.execute(sql.SQL("comment on schema {} is {}").format(
                sql.Identifier(schema), sql.Literal(f"House Edge {schema}; {note}")))
        pcon.commit()
    report.seconds = time.perf_counter() - started
    return report


def refresh_if_running(published: Path) -> RefreshReport | None:
    """Called after each publish: refresh the endpoint of this warehouse if it is running."""
    cfg = config_from_env(published)
    if not (cfg.cluster_dir / "PG_VERSION").exists() or not is_running(cfg):
        return None
    # Port and password as the server was started with them (server settings on disk).
    conf = (cfg.cluster_dir / "house_edge.conf").read_text()
    for line in conf.splitlines():
        if line.startswith("port = "):
            cfg.port = int(line.split("=", 1)[1])
    return refresh(cfg, published)
