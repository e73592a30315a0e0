"""Atomic publish: a reader never blocks the build; a failed build never touches the file."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

from house_edge import publish
from pytests.conftest import SAMPLE, copy_published_sample

RAW = {k: SAMPLE / f"raw_{k}.csv" for k in ("price_bars", "positions", "liquidations")}


@pytest.fixture(scope="module")
def published(published_sample_build, tmp_path_factory):
    """The shared sample build (conftest), copied: this module's tests publish over it."""
    return copy_published_sample(published_sample_build, tmp_path_factory.mktemp("warehouse"))


def test_build_publishes_marts_queryable_as_marts_schema(published_sample_build):
    target, report = published_sample_build
    assert report.published_path == target
    with duckdb.connect(str(target), read_only=True) as con:
        n = con.execute("select count(*) from marts.fct_liquidations").fetchone()[0]
        venues = {r[0] for r in con.execute("select exchange_id from marts.dim_exchanges")
                  .fetchall()}
    raw_rows = sum(1 for _ in open(RAW["liquidations"])) - 1
    assert n == report.row_counts["marts.fct_liquidations"] == raw_rows
    assert venues == {"binance", "bybit", "okx", "hyperliquid"}
    assert not (target.parent / ".build").exists()


def test_build_succeeds_while_a_reader_holds_the_published_file_open(published):
    target, _ = published
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(target)!r}, read_only=True)
            before = con.execute("select count(*) from marts.fct_liquidations").fetchone()[0]
            print("ready", flush=True)
            sys.stdin.readline()  # hold the file open until the build has published
            after = con.execute("select count(*) from marts.fct_liquidations").fetchone()[0]
            print(before, after, flush=True)
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "ready"
    old_inode = target.stat().st_ino
    publish.build_and_publish(raw_paths=RAW, target=target, echo=False)
    assert target.stat().st_ino != old_inode  # replaced by one rename
    out, _ = reader.communicate("go\n", timeout=60)
    before, after = map(int, out.split())
    assert before == after > 0  # the reader kept a consistent view of the old file
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_liquidations").fetchone()[0] == after


def test_failed_build_leaves_the_published_warehouse_untouched(published, tmp_path):
    target, _ = published
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    bad = tmp_path / "raw_price_bars.csv"
    lines = RAW["price_bars"].read_text().splitlines()
    fields = lines[5].split(",")
    fields[3] = "not-a-price"
    lines[5] = ",".join(fields)
    bad.write_text("\n".join(lines) + "\n")
    started = time.time()
    with pytest.raises(publish.BuildError, match="failed"):
        publish.build_and_publish(raw_paths={**RAW, "price_bars": bad}, target=target,
                                  echo=False)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest
    assert target.stat().st_mtime < started


def test_unknown_raw_table_name_is_refused():
    with pytest.raises(publish.BuildError, match="unknown raw table"):
        publish.raw_vars({"trades": "x.csv"})
