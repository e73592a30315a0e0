"""`house-edge serve`: a real PostgreSQL endpoint, checked with real clients (psql, psycopg
with bound parameters, SQLAlchemy's postgresql dialect with reflection, pandas.read_sql); every
statement a BI user must not run is refused with a clear error."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pandas as pd
import psycopg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from house_edge import serve
from house_edge.cli import main
from pytests.conftest import free_port

# Tight bounds so each one can be hit in a second or two; far above what the sample's
# queries need (milliseconds, no temp files).
TEST_LIMITS = serve.ReaderLimits(
    statement_timeout="3s", idle_in_transaction_session_timeout="2s", temp_file_limit="8MB",
    work_mem="64kB", connection_limit=4, client_connection_check_interval="1s")


@pytest.fixture(scope="module")
def endpoint(published_sample, pg_data_root):
    """A server started and refreshed as `house-edge serve` does it; stopped at the end."""
    cfg = serve.ServerConfig(data_dir=pg_data_root / "serve", port=free_port(),
                             limits=TEST_LIMITS)
    serve.start(cfg)
    try:
        report = serve.refresh(cfg, published_sample)
        yield cfg, report
    finally:
        serve.stop(cfg)


@pytest.fixture(scope="module")
def duck(published_sample):
    with duckdb.connect(str(published_sample), read_only=True) as con:
        yield con


def psql(cfg, command: str, check: bool = True) -> subprocess.CompletedProcess:
    assert shutil.which("psql"), "the psql client is required (postgresql-client)"
    proc = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", cfg.reader_dsn(),
                           "-c", command], capture_output=True, text=True, timeout=60)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_refresh_copies_every_mart_and_reference_table(endpoint, duck):
    _, report = endpoint
    expected = {f"{s}.{t}": duck.execute(f"select count(*) from {s}.{t}").fetchone()[0]
                for s, t in duck.execute(
                    "select schema_name, table_name from duckdb_tables() "
                    "where schema_name in ('marts', 'reference')").fetchall()}
    assert report.tables == expected
    assert expected["marts.fct_liquidations"] > 10_000


def test_psql_lists_describes_and_selects(endpoint, duck):
    cfg, _ = endpoint
    listing = psql(cfg, r"\dt").stdout  # search_path = marts, reference
    assert "fct_liquidations" in listing and "exchanges" in listing
    described = psql(cfg, r"\d+ marts.dim_exchanges").stdout
    assert "exchange_id" in described and "text" in described
    assert "Venue key, lowercase" in described  # the dbt column description, via COMMENT ON
    tables = psql(cfg, r"\dt+ marts.*").stdout
    assert "One row per forced fill" in tables  # the dbt model description
    out = psql(cfg, "select count(*) from marts.fct_liquidations", check=True).stdout
    n = duck.execute("select count(*) from marts.fct_liquidations").fetchone()[0]
    assert str(n) in out


def test_psycopg_bound_parameters_match_duckdb(endpoint, duck):
    cfg, _ = endpoint
    sql = ("select venue, count(*), round(sum(notional_usd)::numeric, 2) "
           "from marts.fct_liquidations where venue = %s and liquidated_at >= %s group by venue")
    with psycopg.connect(cfg.reader_dsn()) as con:
        got = con.execute(sql, ("binance", "2025-10-10 20:50:00")).fetchone()
    want = duck.execute(
        "select venue, count(*), round(sum(notional_usd), 2) from marts.fct_liquidations "
        "where venue = ? and liquidated_at >= ? group by venue",
        ["binance", "2025-10-10 20:50:00"]).fetchone()
    assert got[0] == want[0] and got[1] == want[1]
    assert float(got[2]) == pytest.approx(float(want[2]), rel=1e-9)  # numeric / DECIMAL


def test_sqlalchemy_postgresql_dialect_reflects_tables_columns_and_comments(endpoint, duck):
    cfg, _ = endpoint
    engine = sa.create_engine(cfg.reader_url())
    try:
        inspector = sa.inspect(engine)
        assert {"marts", "reference"} <= set(inspector.get_schema_names())
        expected = {r[0] for r in duck.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()}
        assert set(inspector.get_table_names(schema="marts")) == expected
        cols = inspector.get_columns("fct_liquidations", schema="marts")
        want = duck.execute(
            "select column_name, comment from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'fct_liquidations' order by column_index").fetchall()
        assert [(c["name"], c["comment"]) for c in cols] == want
        types = {c["name"]: c["type"] for c in cols}
        assert isinstance(types["liquidated_at"], sa.types.DateTime)
        assert isinstance(types["is_long"], sa.types.Boolean)
        assert inspector.get_table_comment("dim_exchanges", schema="marts")["text"]
    finally:
        engine.dispose()


def test_pandas_read_sql_matches_duckdb(endpoint, duck):
    cfg, _ = endpoint
    engine = sa.create_engine(cfg.reader_url())
    try:
        got = pd.read_sql(sa.text("select exchange_id, liquidation_count, "
                                  "liquidated_notional_usd from marts.dim_exchanges "
                                  "where exchange_id <> :skip order by exchange_id"),
                          engine, params={"skip": "okx"})
    finally:
        engine.dispose()
    want = duck.execute("select exchange_id, liquidation_count, liquidated_notional_usd "
                        "from marts.dim_exchanges where exchange_id <> 'okx' "
                        "order by exchange_id").df()
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


# Each refused statement and the error the reader gets. "read-only transaction" refusals are
# repeated with the transaction forced read-write: privileges refuse them as well.
REFUSED = [
    ("insert into marts.dim_exchanges (exchange_id) values ('x')",
     "cannot execute INSERT in a read-only transaction"),
    ("begin read write; insert into marts.dim_exchanges (exchange_id) values ('x')",
     "permission denied for table dim_exchanges"),
    ("begin read write; update marts.fct_liquidations set price = 0",
     "permission denied for table fct_liquidations"),
    ("begin read write; delete from reference.exchanges",
     "permission denied for table exchanges"),
    ("begin read write; truncate marts.dim_exchanges",
     "permission denied for table dim_exchanges"),
    ("begin read write; drop table marts.dim_exchanges", "must be owner of table dim_exchanges"),
    ("begin read write; alter table marts.dim_exchanges add column x int",
     "must be owner of table dim_exchanges"),
    ("begin read write; create table marts.x (a int)", "permission denied for schema marts"),
    ("begin read write; create table public.x (a int)", "permission denied for schema public"),
    ("begin read write; create temp table x (a int)",
     "permission denied to create temporary tables"),
    ("begin read write; create schema x", "permission denied for database house_edge"),
    ("begin read write; create extension file_fdw", "permission denied"),
    ("copy marts.dim_exchanges to '/tmp/house_edge_leak.csv'",
     "pg_write_server_files role to COPY to a file"),
    ("copy marts.dim_exchanges from '/etc/passwd'",
     "pg_read_server_files role to COPY from a file"),
    ("copy marts.dim_exchanges to program 'id'",
     "pg_execute_server_program role to COPY to or from an external program"),
    ("select pg_read_file('/etc/passwd')", "permission denied for function pg_read_file"),
    ("select pg_read_binary_file('/etc/passwd')",
     "permission denied for function pg_read_binary_file"),
    ("select pg_ls_dir('/')", "permission denied for function pg_ls_dir"),
    ("select lo_import('/etc/passwd')", "permission denied for function lo_import"),
    ("begin read write; select lo_create(0)", "permission denied for function lo_create"),
    ("select * from read_csv('/etc/passwd')", "function read_csv(unknown) does not exist"),
    ("attach '/tmp/other.duckdb' as other", 'syntax error at or near "attach"'),
    ("install httpfs", 'syntax error at or near "install"'),
    ("load 'auto_explain'", 'access to library "auto_explain" is not allowed'),
    ("load '/tmp/evil.so'", 'access to library "/tmp/evil.so" is not allowed'),
    ("alter system set port = 1", 'permission denied to set parameter "port"'),
    ("set role house_edge_admin", 'permission denied to set role "house_edge_admin"'),
    ("begin read write; create role x", "permission denied to create role"),
    ("select * from pg_authid", "permission denied for table pg_authid"),
]


@pytest.mark.parametrize("statement, message", REFUSED, ids=[s[:40] for s, _ in REFUSED])
def test_reader_refused_with_a_clear_error(endpoint, statement, message):
    cfg, _ = endpoint
    with psycopg.connect(cfg.reader_dsn(), autocommit=True) as con:
        with pytest.raises(psycopg.Error) as info:
            for part in statement.split("; "):
                con.execute(part)
        assert message in str(info.value)
        if con.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            con.execute("rollback")
        assert con.execute("select count(*) from marts.dim_exchanges").fetchone()[0] == 4


def test_reader_cannot_reach_other_databases(endpoint):
    cfg, _ = endpoint
    with pytest.raises(psycopg.OperationalError, match="no pg_hba.conf entry"):
        psycopg.connect(cfg.reader_dsn().replace("dbname=house_edge", "dbname=postgres"))


def test_psql_reports_refusals_too(endpoint):
    cfg, _ = endpoint
    proc = psql(cfg, "copy marts.dim_exchanges from '/etc/passwd'", check=False)
    assert proc.returncode != 0 and "pg_read_server_files" in proc.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "127.0.0.1,0.0.0.0", "::"])
def test_serve_refuses_a_non_loopback_address_without_a_password(host, tmp_path, monkeypatch):
    monkeypatch.delenv("HOUSE_EDGE_PG_PASSWORD", raising=False)
    result = CliRunner().invoke(main, ["serve", "--host", host, "--data-dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "without a password" in result.output
    assert not (tmp_path / "cluster").exists()  # refused before anything was started
    serve.check_bind(host, "a-password")  # with a password it is allowed


def test_server_settings_require_the_password_beyond_loopback(tmp_path):
    cfg = serve.ServerConfig(data_dir=tmp_path, host="0.0.0.0", reader_password="s3cret")
    cfg.cluster_dir.mkdir()
    serve.write_server_settings(cfg)
    hba = (cfg.cluster_dir / "pg_hba.conf").read_text()
    reader = [ln.split() for ln in hba.splitlines() if serve.READER_ROLE in ln]
    assert reader and all(fields[-1] == "scram-sha-256" for fields in reader)
    assert "trust" not in hba
    conf = (cfg.cluster_dir / "house_edge.conf").read_text()
    assert "listen_addresses = '0.0.0.0'" in conf
    local = serve.ServerConfig(data_dir=tmp_path / "l")
    assert local.listen_addresses == "127.0.0.1"


def test_reader_password_is_enforced_once_set(endpoint):
    cfg, _ = endpoint
    protected = dataclasses.replace(cfg, reader_password="s3cret-pw")
    serve.start(protected)  # restart with the password
    try:
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(cfg.reader_dsn())
        with psycopg.connect(protected.reader_dsn()) as con:
            assert con.execute("select count(*) from marts.dim_exchanges").fetchone()[0] == 4
    finally:
        serve.start(cfg)  # back to the loopback default for any later test


# --- issue 14 item 4: bounds the reader cannot lift; dead clients' queries cancelled ---------

def reader_backends(cfg) -> list[tuple[int, str, str]]:
    """(pid, application_name, query) of every reader backend, seen by the admin."""
    with serve._connect_admin(cfg, autocommit=True) as con:
        return con.execute("select pid, application_name, query from pg_stat_activity "
                           "where usename = %s", (serve.READER_ROLE,)).fetchall()


def wait_for(predicate, timeout: float, what: str) -> float:
    """Poll until predicate() is true; the seconds it took (fails after timeout)."""
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout, f"{what}: not within {timeout} s"
        time.sleep(0.1)
    return time.monotonic() - started


def test_reader_cannot_raise_or_drop_the_temp_file_limit(endpoint):
    cfg, _ = endpoint
    try:
        with psycopg.connect(cfg.reader_dsn(), autocommit=True) as con:
            assert con.execute("show temp_file_limit").fetchone()[0] == "8MB"
            for statement in ("set temp_file_limit = -1",
                              "select set_config('temp_file_limit', '-1', false)",
                              "alter role house_edge_reader set temp_file_limit = -1",
                              "alter role house_edge_reader reset temp_file_limit"):
                con.execute("begin read write")
                with pytest.raises(psycopg.errors.InsufficientPrivilege,
                                   match='permission denied to set parameter "temp_file_limit"'):
                    con.execute(statement)
                con.execute("rollback")
            # The reader may reset its own role's settings; the superuser-only one survives.
            con.execute("begin read write")
            con.execute("alter role house_edge_reader reset all")
            con.execute("commit")
        with psycopg.connect(cfg.reader_dsn(), autocommit=True) as con:
            assert con.execute("show temp_file_limit").fetchone()[0] == "8MB"
    finally:
        serve.bootstrap(cfg)  # what every `house-edge serve` does: the role settings back
    with psycopg.connect(cfg.reader_dsn(), autocommit=True) as con:
        assert con.execute("show statement_timeout").fetchone()[0] == "3s"


def test_query_past_the_temp_file_limit_fails_and_its_temp_files_stop_at_the_limit(endpoint):
    cfg, _ = endpoint
    tmp_dir = cfg.cluster_dir / "base" / "pgsql_tmp"
    peak, done = [0], threading.Event()

    def watch() -> None:  # the temp files' total size on disk, as often as we can
        while not done.is_set():
            total = 0
            for root, _, files in os.walk(tmp_dir):
                for name in files:
                    try:
                        total += os.stat(os.path.join(root, name)).st_blocks * 512
                    except FileNotFoundError:
                        pass
            peak[0] = max(peak[0], total)
            time.sleep(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with psycopg.connect(cfg.reader_dsn(), autocommit=True) as con:
            con.execute("set statement_timeout = 0")  # the disk bound holds without it
            with pytest.raises(psycopg.errors.ConfigurationLimitExceeded,
                               match=r"temporary file size exceeds temp_file_limit \(8192kB\)"):
                con.execute("select count(*) from (select g from generate_series(1, 20000000) g "
                            "order by g desc) s")
    finally:
        done.set()
        watcher.join()
    assert peak[0] > 1 << 20, "the watcher never saw the sort spill: it proves nothing"
    assert peak[0] <= 8 << 20, f"temp files reached {peak[0]} bytes, past the 8 MB limit"


def test_statement_timeout_cancels_a_long_query(endpoint):
    cfg, _ = endpoint
    with psycopg.connect(cfg.reader_dsn(), autocommit=True) as con:
        started = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
            con.execute("select pg_sleep(60)")
        assert 2.5 < time.monotonic() - started < 15


def test_idle_in_transaction_session_is_ended(endpoint):
    cfg, _ = endpoint
    with psycopg.connect(cfg.reader_dsn()) as con:
        con.execute("select 1")  # opens a transaction, then leaves it idle
        time.sleep(3)
        with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout):
            con.execute("select 1")


def test_connection_limit_refuses_the_next_reader(endpoint):
    cfg, _ = endpoint
    wait_for(lambda: not reader_backends(cfg), 10, "earlier tests' reader sessions to end")
    held = [psycopg.connect(cfg.reader_dsn()) for _ in range(TEST_LIMITS.connection_limit)]
    try:
        with pytest.raises(psycopg.OperationalError,
                           match='too many connections for role "house_edge_reader"'):
            psycopg.connect(cfg.reader_dsn())
    finally:
        for con in held:
            con.close()
    wait_for(lambda: not reader_backends(cfg), 10, "held sessions to end")
    with psycopg.connect(cfg.reader_dsn()) as con:  # slots come back
        assert con.execute("select 1").fetchone()[0] == 1


def test_killed_clients_query_is_cancelled_by_the_server(endpoint):
    cfg, _ = endpoint
    app = "he_killed_client"
    # statement_timeout off (a reader can do that): only the dead-client check can stop it.
    client = subprocess.Popen(
        ["psql", "-X", cfg.reader_dsn(), "-c", "set statement_timeout = 0",
         "-c", "select pg_sleep(120)"],
        env={**os.environ, "PGAPPNAME": app}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: any(a == app and "pg_sleep" in q for _, a, q in reader_backends(cfg)),
                 20, "the client's query to start")
        client.send_signal(signal.SIGKILL)
        client.wait(10)
        took = wait_for(lambda: not any(a == app for _, a, _ in reader_backends(cfg)), 15,
                        "the server to cancel the dead client's query")
    finally:
        if client.poll() is None:
            client.kill()
    assert took < 10


# --- issue 14 item 5: the data dir's path length does not matter ----------------------------

def test_serve_runs_from_a_data_dir_path_past_the_unix_socket_limit(
        published_sample, pg_data_root, monkeypatch):
    data_dir = pg_data_root / ("d" * 70) / ("e" * 70) / "postgres"
    assert len(str(data_dir)) >= 150  # a socket beside it would be far past 107 bytes
    data_dir.parent.mkdir(parents=True)
    monkeypatch.setenv("HOUSE_EDGE_PUBLISHED_PATH", str(published_sample))
    port = free_port()
    cfg = serve.ServerConfig(data_dir=data_dir, port=port)
    result = CliRunner().invoke(main, ["serve", "--data-dir", str(data_dir),
                                       "--port", str(port)])
    try:
        assert result.exit_code == 0, result.output
        with psycopg.connect(cfg.reader_dsn()) as con:
            assert con.execute("select count(*) from marts.dim_exchanges").fetchone()[0] == 4
        assert not list(Path(data_dir).rglob(".s.PGSQL.*"))  # TCP only
    finally:
        CliRunner().invoke(main, ["serve", "--stop", "--data-dir", str(data_dir)])
    assert not serve.is_running(cfg)


def test_server_settings_listen_on_tcp_only_and_check_for_dead_clients(tmp_path):
    cfg = serve.ServerConfig(data_dir=tmp_path)
    cfg.cluster_dir.mkdir()
    serve.write_server_settings(cfg)
    conf = (cfg.cluster_dir / "house_edge.conf").read_text().splitlines()
    assert "unix_socket_directories = ''" in conf
    assert "client_connection_check_interval = '2s'" in conf
    assert "tcp_keepalives_idle = 60" in conf


def test_reader_limits_come_from_the_environment_and_refuse_odd_values(tmp_path, monkeypatch):
    monkeypatch.setenv("HOUSE_EDGE_PG_TEMP_FILE_LIMIT", "512MB")
    monkeypatch.setenv("HOUSE_EDGE_PG_READER_CONNECTIONS", "7")
    limits = serve.config_from_env(tmp_path / "x.duckdb").limits
    assert limits.temp_file_limit == "512MB" and limits.connection_limit == 7
    assert limits.statement_timeout == serve.ReaderLimits().statement_timeout
    with pytest.raises(serve.ServeError, match="expected a number"):
        serve.ReaderLimits(statement_timeout="1s'; ssl = 'off")
    with pytest.raises(serve.ServeError, match="connection limit"):
        serve.ReaderLimits(connection_limit=40)


# README "Types": the endpoint's type for each kind of column (DuckDB type -> PostgreSQL)
PG_CONVENTION = {
    "DECIMAL(38,6)": ("numeric", 38, 6),
    "BIGINT": ("bigint", None, None),
    "DOUBLE": ("double precision", None, None),
    "TIMESTAMP": ("timestamp without time zone", None, None),
    "DATE": ("date", None, None),
    "BOOLEAN": ("boolean", None, None),
    "VARCHAR": ("text", None, None),
}


def test_endpoint_columns_follow_the_type_convention(endpoint, duck):
    cfg, _ = endpoint
    want = {(s, t, c): PG_CONVENTION[ty] for s, t, c, ty in duck.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_schema in ('marts', 'reference')").fetchall()}
    with psycopg.connect(cfg.reader_dsn()) as con:
        rows = con.execute(
            "select table_schema, table_name, column_name, data_type, "
            "case when data_type = 'numeric' then numeric_precision end, "
            "case when data_type = 'numeric' then numeric_scale end "
            "from information_schema.columns "
            "where table_schema in ('marts', 'reference')").fetchall()
    got = {(s, t, c): (ty, p, sc) for s, t, c, ty, p, sc in rows}
    assert got == want
    assert ("numeric", 38, 6) in got.values()
