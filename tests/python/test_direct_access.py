"""Direct, read-only DuckDB access as the README recommends it, for Python, SQLAlchemy
(duckdb-engine, what Superset uses) and BI reflection; every way into the host is refused."""

from __future__ import annotations

import shutil

import duckdb
import pytest
import sqlalchemy as sa

SAFE_CONFIG = {"enable_external_access": False, "lock_configuration": True}
HOST_FILE = "/etc/passwd"


@pytest.fixture(scope="module")
def con(published_sample):
    with duckdb.connect(str(published_sample), read_only=True, config=SAFE_CONFIG) as c:
        yield c


def test_marts_are_queryable_read_only(con):
    assert con.execute("select count(*) from marts.dim_exchanges").fetchone()[0] == 4
    assert con.execute("select count(*) from marts.build_info").fetchone()[0] == 1


@pytest.mark.parametrize("statement, message", [
    (f"select * from read_csv('{HOST_FILE}')", "disabled"),
    (f"select * from read_text('{HOST_FILE}')", "disabled"),
    (f"select * from '{HOST_FILE}'", "does not exist"),  # no file scan at all
    ("copy marts.dim_exchanges to '/tmp/house_edge_leak.csv'", "disabled"),
    ("attach '/tmp/house_edge_other.duckdb' as other", "disabled"),
    ("install httpfs", "disabled"),
    ("load httpfs", "disabled"),
    ("set enable_external_access = true", "configuration has been locked"),
    ("set lock_configuration = false", "configuration has been locked"),
    ("create table marts.x as select 1 as a", "read-only"),
    ("delete from marts.dim_exchanges", "read-only"),
])
def test_host_access_and_writes_are_refused(con, statement, message):
    with pytest.raises(duckdb.Error, match=f"(?i){message}"):
        con.execute(statement)
    assert con.execute("select count(*) from marts.dim_exchanges").fetchone()[0] == 4


def superset_url(path) -> str:
    """The SQLAlchemy URI documented for Superset (duckdb-engine; query args = DuckDB config)."""
    return f"duckdb:///{path}?access_mode=read_only&enable_external_access=false"


def test_sqlalchemy_duckdb_engine_reflects_like_a_bi_tool(con, published_sample, tmp_path):
    # DuckDB refuses a second in-process connection to one file with another configuration:
    # the engine gets its own copy (a BI server is its own process anyway).
    path = tmp_path / "house_edge.duckdb"
    shutil.copy(published_sample, path)
    expected = {r[0] for r in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()}
    expected_cols = [r[0] for r in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'marts' and "
        "table_name = 'fct_liquidations' order by column_index").fetchall()]
    engine = sa.create_engine(superset_url(path))
    try:
        inspector = sa.inspect(engine)
        # duckdb-engine lists schemas as <catalog>.<schema>; the catalog is the file's basename
        assert "house_edge.marts" in inspector.get_schema_names()
        tables = set(inspector.get_table_names(schema="marts"))
        assert tables == expected and "fct_liquidations" in tables
        columns = inspector.get_columns("fct_liquidations", schema="marts")
        assert [c["name"] for c in columns] == expected_cols
        by_name = {c["name"]: c for c in columns}
        assert isinstance(by_name["notional_usd"]["type"], sa.types.Float | sa.types.Numeric)
        with engine.connect() as conn:
            n = conn.execute(sa.text("select count(*) from marts.fct_liquidations "
                                     "where venue = :venue"), {"venue": "okx"}).scalar()
            assert n > 0
            with pytest.raises(sa.exc.DBAPIError, match="(?i)disabled"):
                conn.execute(sa.text(f"select * from read_csv('{HOST_FILE}')"))
    finally:
        engine.dispose()
