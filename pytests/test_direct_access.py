"""Direct, read-only DuckDB access as the README documents it: every way in goes through
house_edge.access.connect_published, and every way from there into the host is refused --
including DuckDB 1.5.5's `CALL enable_logging(storage_path=...)`, which the plain
read_only + enable_external_access=false + lock_configuration=true configuration accepts
(and then fails every query and aborts the process at exit)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from house_edge.access import AccessError, connect_published
from pytests.conftest import ROOT, copy_published_sample

HOST_FILE = "/etc/passwd"
# The configuration the README documented before connect_published (kept to prove the hole).
OLD_CONFIG = {"enable_external_access": False, "lock_configuration": True}


@pytest.fixture(scope="module")
def warehouse(published_sample_build, tmp_path_factory) -> Path:
    """A private copy: DuckDB shares one instance per file in a process, and other modules
    open the shared sample with other settings."""
    path, _ = copy_published_sample(published_sample_build, tmp_path_factory.mktemp("direct"))
    return path


@pytest.fixture(scope="module")
def con(warehouse):
    c = connect_published(warehouse)
    yield c
    c.close()


def test_marts_are_queryable_read_only(con):
    assert con.execute("select count(*) from marts.dim_exchanges").fetchone()[0] == 4
    assert con.execute("select count(*) from marts.build_info").fetchone()[0] == 1


@pytest.mark.parametrize("statement, message", [
    (f"select * from read_csv('{HOST_FILE}')", "LocalFileSystem has been disabled"),
    (f"select * from read_text('{HOST_FILE}')", "LocalFileSystem has been disabled"),
    (f"select * from '{HOST_FILE}'", "does not exist"),  # no file scan at all
    (f"select * from read_blob('{HOST_FILE}')", "LocalFileSystem has been disabled"),
    (f"select * from read_parquet('{HOST_FILE}')", "LocalFileSystem has been disabled"),
    (f"select * from read_json('{HOST_FILE}')", "LocalFileSystem has been disabled"),
    ("select * from glob('/etc/*')", "LocalFileSystem has been disabled"),  # listing
    ("select * from read_csv('https://example.com/x.csv')", "LocalFileSystem has been disabled"),
    ("create persistent secret s (type s3, key_id 'a', secret 'b')",
     "LocalFileSystem has been disabled"),
    ("copy marts.dim_exchanges to '/tmp/house_edge_leak.csv'", "LocalFileSystem has been disabled"),
    ("export database '/tmp/house_edge_export'", "LocalFileSystem has been disabled"),
    ("attach '/tmp/house_edge_other.duckdb' as other", "LocalFileSystem has been disabled"),
    ("attach ':memory:' as other", "read-only"),
    ("install httpfs", "LocalFileSystem has been disabled"),
    ("load httpfs", "disabled through configuration"),
    ("set enable_external_access = true", "configuration has been locked"),
    ("set lock_configuration = false", "configuration has been locked"),
    ("set disabled_filesystems = ''", "configuration has been locked"),
    ("reset disabled_filesystems", "configuration has been locked"),
    ("pragma profile_output = '/tmp/house_edge_profile.json'", "configuration has been locked"),
    ("call enable_logging(storage_path = '/tmp/house_edge_log')",
     "Can not enable file logging with the LocalFileSystem disabled"),
    ("call enable_logging(storage = 'file', storage_config = {'path': '/tmp/house_edge_log'})",
     "Can not enable file logging with the LocalFileSystem disabled"),
    ("select * from enable_logging(storage_path = '/tmp/house_edge_log')",
     "Can not enable file logging with the LocalFileSystem disabled"),
    ("create table marts.x as select 1 as a", "read-only"),
    ("delete from marts.dim_exchanges", "read-only"),
])
def test_host_access_and_writes_are_refused(con, warehouse, statement, message):
    with pytest.raises(duckdb.Error, match=f"(?i){message}"):
        con.execute(statement)
    # the connection, and a second one to the same file, still answer
    assert con.execute("select count(*) from marts.dim_exchanges").fetchone()[0] == 4
    with connect_published(warehouse) as other:
        assert other.execute("select count(*) from marts.dim_exchanges").fetchone()[0] == 4
    for leaked in ("/tmp/house_edge_leak.csv", "/tmp/house_edge_export", "/tmp/house_edge_log",
                   "/tmp/house_edge_other.duckdb", "/tmp/house_edge_profile.json"):
        assert not Path(leaked).exists(), leaked


ENABLE_LOGGING_SCRIPT = """
import sys
import duckdb
from house_edge.access import connect_published
path, mode = sys.argv[1], sys.argv[2]
if mode == "helper":
    con = connect_published(path)
else:
    con = duckdb.connect(path, read_only=True, config={config!r})
try:
    con.execute("call enable_logging(storage_path = '{log_dir}')")
    print("accepted")
except duckdb.Error as exc:
    print("refused:", exc)
other = connect_published(path) if mode == "helper" else duckdb.connect(
    path, read_only=True, config={config!r})
try:
    print("count", other.execute("select count(*) from marts.dim_exchanges").fetchone()[0])
except duckdb.Error as exc:
    print("query failed:", exc)
"""


def _run_enable_logging(warehouse: Path, mode: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """In a child process: the failure mode aborts the interpreter at exit."""
    script = textwrap.dedent(ENABLE_LOGGING_SCRIPT).format(config=OLD_CONFIG,
                                                           log_dir=tmp_path / "log")
    return subprocess.run([sys.executable, "-c", script, str(warehouse), mode],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_enable_logging_cannot_poison_the_process(warehouse, tmp_path):
    """Through the helper the CALL is refused, later queries answer and the process exits 0."""
    run = _run_enable_logging(warehouse, "helper", tmp_path)
    assert run.returncode == 0, run.stderr
    assert "refused: Can not enable file logging with the LocalFileSystem disabled" in run.stdout
    assert "count 4" in run.stdout
    assert not (tmp_path / "log").exists()


def test_the_old_documented_configuration_is_poisoned_by_enable_logging(warehouse, tmp_path):
    """Why connect_published exists: with read_only + external access off + locked, DuckDB
    1.5.5 accepts the CALL, then every query fails and the process aborts at exit. If this test
    fails after a DuckDB upgrade, the hole is fixed upstream: keep the helper, update the doc."""
    run = _run_enable_logging(warehouse, "old", tmp_path)
    assert "accepted" in run.stdout
    assert "query failed:" in run.stdout and "disabled by configuration" in run.stdout
    assert run.returncode != 0  # SIGABRT at exit (terminate called after PermissionException)


def test_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(AccessError, match=r"does not exist: run `house-edge build` first"):
        connect_published(tmp_path / "house_edge.duckdb")


def test_an_instance_locked_without_the_filesystem_off_is_refused(published_sample_build,
                                                                  tmp_path):
    """Another connection in this process locked the same file with only the open settings:
    the helper must not hand out a connection on which enable_logging would be accepted."""
    path, _ = copy_published_sample(published_sample_build, tmp_path / "w")
    weak = duckdb.connect(str(path), read_only=True, config={"enable_external_access": False})
    weak.execute("set lock_configuration = true")
    try:
        with pytest.raises(AccessError, match="locked without disabled_filesystems"):
            connect_published(path)
    finally:
        weak.close()
    with connect_published(path) as con:  # once the weak instance is gone, it opens locked
        with pytest.raises(duckdb.Error, match="Can not enable file logging"):
            con.execute(f"call enable_logging(storage_path = '{tmp_path / 'log'}')")


def superset_url(path) -> str:
    """The SQLAlchemy URI documented for Superset (duckdb-engine; query args = DuckDB config).
    It cannot disable the local file system (a setting DuckDB takes only once running), so
    enable_logging is open there: the README sends untrusted SQL to the Postgres endpoint."""
    return f"duckdb:///{path}?access_mode=read_only&enable_external_access=false"


def test_sqlalchemy_through_the_helper_reflects_like_a_bi_tool(con, warehouse):
    """SQLAlchemy in Python (pandas, notebooks): duckdb-engine over connect_published."""
    from duckdb_engine import ConnectionWrapper

    expected = {r[0] for r in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()}
    expected_cols = [r[0] for r in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'marts' and "
        "table_name = 'fct_liquidations' order by column_index").fetchall()]
    engine = sa.create_engine("duckdb://",
                              creator=lambda: ConnectionWrapper(connect_published(warehouse)))
    try:
        inspector = sa.inspect(engine)
        assert f"{warehouse.stem}.marts" in inspector.get_schema_names()
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
            for statement in (f"select * from read_csv('{HOST_FILE}')",
                              "call enable_logging(storage_path = '/tmp/house_edge_log')"):
                with pytest.raises(sa.exc.DBAPIError, match="(?i)LocalFileSystem"):
                    conn.execute(sa.text(statement))
    finally:
        engine.dispose()


def test_superset_url_reflects_and_refuses_host_files(published_sample_build, tmp_path):
    """The Superset URI (its own copy: a BI server is its own process) reads the marts and
    refuses host files; enable_logging is NOT closed there (see superset_url)."""
    path, _ = copy_published_sample(published_sample_build, tmp_path / "superset")
    engine = sa.create_engine(superset_url(path))
    try:
        inspector = sa.inspect(engine)
        # duckdb-engine lists schemas as <catalog>.<schema>; the catalog is the file's basename
        assert "house_edge.marts" in inspector.get_schema_names()
        assert "fct_liquidations" in inspector.get_table_names(schema="marts")
        with engine.connect() as conn:
            with pytest.raises(sa.exc.DBAPIError, match="(?i)disabled"):
                conn.execute(sa.text(f"select * from read_csv('{HOST_FILE}')"))
    finally:
        engine.dispose()


def _readme_section(title: str, end: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(title)
    return text[start:text.index(end, start + len(title))]


def test_readme_snippets_open_through_the_helper(warehouse, tmp_path):
    """The README's ways in are the locked one, and they run: the "Query it" one-liner (from a
    checkout-like directory) and the "DuckDB file, directly" block."""
    query_it = _readme_section("## Query it", "\n## ")
    one_liner = next(line for line in query_it.splitlines()
                     if line.startswith(".venv/bin/python -c "))
    directly = _readme_section("**The DuckDB file, directly**", "**The Postgres endpoint**")
    block = directly.split("```python\n", 1)[1].split("```", 1)[0]
    for snippet in (one_liner, block):
        assert "connect_published" in snippet and "duckdb.connect" not in snippet
    (tmp_path / "warehouse").mkdir()
    (tmp_path / "warehouse" / "house_edge.duckdb").write_bytes(warehouse.read_bytes())
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    command = one_liner.replace(".venv/bin/python", sys.executable, 1)
    run = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    for venue in ("binance", "bybit", "okx", "hyperliquid"):
        assert venue in run.stdout
    script = block + ("print(con.execute('select count(*) from marts.dim_exchanges')"
                      ".fetchone()[0])\n")
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stdout) == (0, "4\n"), run.stderr


def test_a_superset_url_cannot_disable_the_local_file_system(published_sample_build, tmp_path):
    """What the README says of Superset: duckdb-engine hands URL settings to DuckDB at open,
    and DuckDB refuses disabled_filesystems before the database runs, so the URL cannot close
    enable_logging (hence: untrusted SQL goes to the Postgres endpoint)."""
    path, _ = copy_published_sample(published_sample_build, tmp_path / "superset")
    engine = sa.create_engine(superset_url(path) + "&disabled_filesystems=LocalFileSystem")
    try:
        with pytest.raises(sa.exc.DBAPIError,
                           match="Cannot change/set disabled_filesystems before the database"):
            engine.connect()
    finally:
        engine.dispose()
