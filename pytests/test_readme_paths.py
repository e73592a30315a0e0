"""The README's paths, walked in sequence on one checkout, as a user would (issue 14): the CLI
build, plain `dbt build`, dbt pointed at the published file, the `--vars` venue-file example,
`house-edge headline` and `house-edge serve`. No fill is lost; each step either publishes a
whole, gated warehouse or says why and leaves the published file byte-identical."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import psycopg
import pytest

from house_edge import publish
from pytests.conftest import ROOT, SAMPLE, free_port

RAW_FILLS = sum(1 for _ in (SAMPLE / "raw_liquidations.csv").open()) - 1
# The README's plain-dbt example of venue files (section "Analyse your own capture").
README_VARS = ("{venue_files: ["
               "{venue: binance, format: klines-csv, "
               "path: 'pytests/fixtures/real/binance_um_klines_1m/*.csv'}, "
               "{venue: binance, format: forceorder-jsonl, "
               "path: pytests/fixtures/venue_formats/binance_forceorder.jsonl}]}")


def sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def count(db: Path, sql: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of this checkout's files (tracked and new, as a fresh clone would hold them)."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    dest = tmp_path_factory.mktemp("readme_walk") / "house-edge"
    for name in filter(None, (f.decode() for f in files)):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def run(checkout: Path, args: list[str], **env: str) -> subprocess.CompletedProcess:
    """A command as the user types it in the checkout: no HOUSE_EDGE_* settings inherited."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HOUSE_EDGE_")}
    return subprocess.run(args, cwd=checkout, env={**clean, **env}, capture_output=True,
                          text=True, timeout=900)


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "house_edge.cli", *args]


def dbt(*args: str) -> list[str]:
    return [publish.dbt_executable(), *args, "--profiles-dir", "."]


def test_readme_paths_in_sequence_lose_no_fill_and_never_write_the_published_file_ungated(
        checkout, pg_data_root):
    published = checkout / "warehouse" / "house_edge.duckdb"
    dev = checkout / "warehouse" / "dev" / "house_edge.duckdb"

    # 1. make build's command: build, gate, publish.
    step = run(checkout, cli("build", "--quiet"))
    assert step.returncode == 0, step.stdout + step.stderr
    assert count(published, "select count(*) from marts.fct_liquidations") == RAW_FILLS
    assert count(published, "select count(*) from marts.build_info "
                            "where published_at is not null") == 1
    before = sha1(published)

    # 2. plain dbt, as the README says: builds the development file, not the published one.
    #    This is also `make test`'s run of every data test AND unit test on the sample (house-edge
    #    build leaves the unit tests out): it must pass, with the unit tests in it.
    step = run(checkout, dbt("build"))
    assert step.returncode == 0, step.stdout[-3000:]
    assert re.search(r"Finished running .*\b[1-9]\d* unit tests", step.stdout), \
        step.stdout[-3000:]
    assert "not published" in step.stdout
    assert sha1(published) == before
    assert count(dev, "select count(*) from marts.fct_liquidations") == RAW_FILLS

    # 3. dbt pointed at the published file, by its default relative path or by any other
    #    spelling (the file is marked published): refused before any node runs, file untouched.
    for spelling in ("warehouse/house_edge.duckdb", str(published)):
        step = run(checkout, dbt("build"), HOUSE_EDGE_DUCKDB_PATH=spelling)
        assert step.returncode != 0
        assert "refusing to write" in step.stdout and "published warehouse" in step.stdout
        assert "house-edge build" in step.stdout
        assert sha1(published) == before

    # 4. the README's --vars example on top of step 2's development file: Binance from its
    #    files, every other venue's simulated fill kept, every raw fill still loaded.
    step = run(checkout, dbt("build", "--vars", README_VARS))
    assert step.returncode == 0, step.stdout[-3000:]
    assert sha1(published) == before
    assert count(dev, "select count(*) from staging.stg_simulator__liquidations") == RAW_FILLS
    simulated_elsewhere = count(published, "select count(*) from marts.fct_liquidations "
                                           "where venue <> 'binance'")
    assert count(dev, "select count(*) from marts.fct_liquidations where venue <> 'binance'") \
        == simulated_elsewhere
    assert count(dev, "select count(*) from marts.fct_liquidations where venue = 'binance'") > 0

    # 5. the headline of the published warehouse.
    step = run(checkout, cli("headline"))
    assert step.returncode == 0, step.stderr
    assert "all venues" in step.stdout and "Traceback" not in step.stderr

    # 6. the endpoint serves the published build, every fill.
    data_dir, port = pg_data_root / "readme_walk", free_port()
    step = run(checkout, cli("serve", "--port", str(port), "--data-dir", str(data_dir)))
    try:
        assert step.returncode == 0, step.stdout + step.stderr
        dsn = f"host=127.0.0.1 port={port} dbname=house_edge user=house_edge_reader"
        with psycopg.connect(dsn) as con:
            served = con.execute("select count(*) from marts.fct_liquidations").fetchone()[0]
        assert served == RAW_FILLS
    finally:
        run(checkout, cli("serve", "--stop", "--data-dir", str(data_dir)))
    assert sha1(published) == before


def test_the_same_raw_file_under_another_path_is_reread_not_quarantined(tmp_path):
    """Loading the sample by its relative path, then by its absolute path (what the CLI passes),
    into one incremental file: the rows of the old spelling leave, the file is read again under
    the new one, and no fill is quarantined as a duplicate of rows about to be pruned."""
    db = tmp_path / "house_edge.duckdb"
    select = ["build", "--select", "+stg_simulator__liquidations_checked",
              "--exclude-resource-type", "unit_test", "test"]
    for path in ("data/sample/raw_liquidations.csv", str(SAMPLE / "raw_liquidations.csv")):
        publish.run_dbt(select, publish.project_root(), db, {"raw_liquidations_path": path},
                        echo=False)
        with duckdb.connect(str(db), read_only=True) as con:
            rows = con.execute("select source_file, quarantine_reason, count(*) "
                               "from staging.stg_simulator__liquidations_checked "
                               "group by all").fetchall()
        assert rows == [(path, None, RAW_FILLS)]
