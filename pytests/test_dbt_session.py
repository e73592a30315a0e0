"""The pipeline's dbt session: dbt's partial-parse file kept per build configuration, and the
session's exit (DuckDB closed, its WAL folded into the file)."""

from __future__ import annotations

import json
import os

from house_edge import publish
from house_edge.dbt_session import ParseCache
from pytests.conftest import ROOT


def _common(tmp_path, raw: str) -> list[str]:
    return ["--project-dir", str(tmp_path), "--target-path", "t",
            "--vars", json.dumps({"raw_positions_path": raw})]


def test_each_build_configuration_gets_back_its_own_last_parse(tmp_path):
    """A session puts back the partial-parse file its configuration (vars, profile environment)
    last wrote, so builds of two configurations in turn do not make each other parse fully."""
    sample, other = ParseCache(_common(tmp_path, "a.csv")), ParseCache(_common(tmp_path, "b.csv"))
    assert sample.saved != other.saved  # other vars: another configuration
    current = tmp_path / "t" / "partial_parse.msgpack"
    assert sample.current == other.current == current

    sample.restore()  # nothing kept yet: dbt parses from whatever is there
    assert not current.exists()
    current.parent.mkdir()
    current.write_bytes(b"parse of a")  # what dbt's parse left
    sample.keep()
    current.write_bytes(b"parse of b")
    other.keep()

    sample.restore()
    assert current.read_bytes() == b"parse of a"
    other.restore()
    assert current.read_bytes() == b"parse of b"


def test_the_profile_environment_is_part_of_the_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("HOUSE_EDGE_DUCKDB_PATH", str(tmp_path / "one.duckdb"))
    one = ParseCache(_common(tmp_path, "a.csv"))
    monkeypatch.setenv("HOUSE_EDGE_DUCKDB_PATH", str(tmp_path / "two.duckdb"))
    assert ParseCache(_common(tmp_path, "a.csv")).saved != one.saved


def test_only_the_most_recent_configurations_are_kept(tmp_path):
    caches = [ParseCache(_common(tmp_path, f"{i}.csv")) for i in range(ParseCache.KEEP + 2)]
    for i, cache in enumerate(caches):
        cache.current.parent.mkdir(parents=True, exist_ok=True)
        cache.current.write_bytes(b"x")
        cache.keep()
        os.utime(cache.saved, (1_000_000 + i, 1_000_000 + i))  # kept in this order
    kept = sorted(caches[0].saved.parent.glob("*.msgpack"))
    assert kept == sorted(c.saved for c in caches[-ParseCache.KEEP:])


def test_a_session_leaves_its_file_checkpointed(tmp_path):
    """The session closes DuckDB when it ends: what dbt built is in the file, no WAL left
    beside it."""
    db = tmp_path / "house_edge.duckdb"
    publish.run_dbt(["run", "--select", "build_info"], ROOT, db, {}, echo=False,
                    log_path=tmp_path / "dbt.log")
    assert db.is_file() and not db.with_name(db.name + ".wal").exists()
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from marts.build_info").fetchone() == (1,)
