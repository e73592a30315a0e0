"""`house-edge serve`: a real PostgreSQL endpoint, checked with real clients (psql, psycopg
with bound parameters, SQLAlchemy's postgresql dialect with reflection, pandas.read_sql); every
statement a BI user must not run is refused with a clear error."""

from __future__ import annotations

import shutil
import subprocess

import duckdb
import pandas as pd
import psycopg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from house_edge import serve
from house_edge.cli import main
from tests.python.conftest import free_port


@pytest.fixture(scope="module")
def endpoint(published_sample, pg_data_root):
    """A server started and refreshed as `house-edge serve` does it; stopped at the end."""
    cfg = serve.ServerConfig(data_dir=pg_data_root / "serve", port=free_port())
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
    assert float(got[2]) == pytest.approx(want[2], rel=1e-9)


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
    protected = serve.ServerConfig(data_dir=cfg.data_dir, port=cfg.port,
                                   reader_password="s3cret-pw")
    serve.start(protected)  # restart with the password
    try:
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(cfg.reader_dsn())
        with psycopg.connect(protected.reader_dsn()) as con:
            assert con.execute("select count(*) from marts.dim_exchanges").fetchone()[0] == 4
    finally:
        serve.start(cfg)  # back to the loopback default for any later test
