"""Concurrency and crash safety of the published warehouse (issue 7).

* SIGKILL of `house-edge build` (its whole process group: dbt too) during dbt, during the
  validation gate, and at the publish rename (three builds side by side, each on its own copy):
  the published file is byte-for-byte unchanged and queryable.
* Then a reader holds a DuckDB connection and a Postgres-endpoint connection, querying in a loop,
  while `make build` runs twice: no error on either side; the DuckDB reader keeps the old build
  until it reconnects, then sees the newest; the endpoint's reader sees each build as it is
  swapped in. The first of those builds is also "the next build after the crashes".

Builds publish into a copy of the session's sample warehouse (HOUSE_EDGE_PUBLISHED_PATH).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from house_edge import publish, serve
from pytests.conftest import ROOT, free_port

BUILD_ID_SQL = ("select (select dbt_invocation_id from marts.build_info), "
                "(select count(*) from marts.fct_liquidations)")


@pytest.fixture(scope="module")
def warehouse(published_sample, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("concurrency") / "house_edge.duckdb"
    shutil.copy(published_sample, target)
    return target


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build_id(path: Path) -> tuple[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(BUILD_ID_SQL).fetchone()


def _env(target: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUSE_EDGE_")}
    env.update(HOUSE_EDGE_PUBLISHED_PATH=str(target), HOUSE_EDGE_PROJECT_DIR=str(ROOT), **extra)
    return env


# (phase, seconds into it, extra environment): where each build is killed.
KILL_POINTS = [
    ("dbt", 2.0, {}),           # dbt holds the private build file and is writing it
    ("validate", 1.0, {}),      # the Great Expectations gate is reading it
    # held at the rename: gate record and data docs already moved, warehouse not yet replaced
    ("rename", 0.5, {"HOUSE_EDGE_PAUSE_AT_PHASE": "rename"}),
]


def _kill_build_at(target: Path, phase: str, after_s: float, extra: dict[str, str]) -> list[str]:
    """Run `house-edge build`, SIGKILL its process group `after_s` seconds into `phase`;
    return the phases it had started."""
    work = target.parent
    log = work / "phases.log"
    exe = str(Path(sys.executable).with_name("house-edge"))
    # Own dbt target/log dirs: these builds run side by side in one project.
    env = _env(target, HOUSE_EDGE_PHASE_LOG=str(log), DBT_TARGET_PATH=str(work / "target"),
               DBT_LOG_PATH=str(work / "logs"), **extra)
    proc = subprocess.Popen([exe, "build", "--quiet"], cwd=ROOT, start_new_session=True,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600

        def wait_for(ready, what: str) -> None:
            while not ready():
                assert proc.poll() is None, f"build ended (exit {proc.returncode}) before {what}"
                assert time.monotonic() < deadline, f"no {what} within 600 s"
                time.sleep(0.05)

        wait_for(lambda: log.exists() and phase in log.read_text().split(), f"phase {phase}")
        if phase == "dbt":
            wait_for((work / ".build" / target.name).exists, "dbt's build file")
        time.sleep(after_s)
        assert proc.poll() is None, f"build already finished; could not kill it in {phase}"
        phases = log.read_text().split()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return phases


def test_sigkill_in_dbt_validation_or_publish_leaves_the_published_warehouse_intact(
        published_sample, warehouse, tmp_path):
    """Three builds side by side (one per kill point, each publishing to its own copy of the
    warehouse): one build's time, not three."""
    targets = {"rename": warehouse}  # the reader test below builds on top of this one
    for phase, _, _ in KILL_POINTS[:-1]:
        (tmp_path / phase).mkdir()
        targets[phase] = tmp_path / phase / "house_edge.duckdb"
        shutil.copy(published_sample, targets[phase])
    before = {p: (_digest(t), _build_id(t)) for p, t in targets.items()}
    with ThreadPoolExecutor(len(KILL_POINTS)) as pool:
        futures = {phase: pool.submit(_kill_build_at, targets[phase], phase, after_s, extra)
                   for phase, after_s, extra in KILL_POINTS}
        phases = {phase: f.result() for phase, f in futures.items()}
    for phase, target in targets.items():
        assert phases[phase][-1] == phase, phases  # killed inside that phase, not after it
        assert _digest(target) == before[phase][0], f"killed in {phase}: file changed"
        assert _build_id(target) == before[phase][1]
        with duckdb.connect(str(target), read_only=True) as con:
            assert con.execute("select count(*) from marts.dim_exchanges").fetchone()[0] == 4
    # The next build starts over the debris of a killed one (its .build directory): the
    # reader test below runs `make build` twice on the warehouse killed at the rename.
    assert (warehouse.parent / ".build").exists()


READER = textwrap.dedent("""
    import json, sys, threading, time
    import duckdb, psycopg
    path, dsn, sql = sys.argv[1], sys.argv[2], sys.argv[3]
    duck = duckdb.connect(path, read_only=True, config={"enable_external_access": False})
    pg = psycopg.connect(dsn, autocommit=True)
    first = duck.execute(sql).fetchone()
    print(json.dumps({"first": first, "pg_first": pg.execute(sql).fetchone()}), flush=True)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
    seen, pg_seen, errors, n = [], [], [], 0
    deadline = time.monotonic() + 900
    while not stop.is_set() and time.monotonic() < deadline:
        for name, con, out in (("duckdb", duck, seen), ("postgres", pg, pg_seen)):
            try:
                row = list(con.execute(sql).fetchone())
                if not out or out[-1] != row:
                    out.append(row)
            except Exception as exc:
                errors.append(f"{name}: {exc!r}")
        n += 1
        time.sleep(0.05)
    duck.close()
    after = duckdb.connect(path, read_only=True).execute(sql).fetchone()
    print(json.dumps({"loops": n, "seen": seen, "pg_seen": pg_seen, "errors": errors,
                      "after": after}), flush=True)
""")


def test_reader_keeps_querying_while_make_build_runs_twice(warehouse, pg_data_root, tmp_path):
    # The endpoint of this warehouse runs, so each build also refreshes it (phase "endpoint").
    cfg = serve.ServerConfig(data_dir=pg_data_root / "concurrency", port=free_port())
    serve.start(cfg)
    try:
        serve.refresh(cfg, warehouse)
        old = _build_id(warehouse)
        reader = subprocess.Popen([sys.executable, "-c", READER, str(warehouse),
                                   cfg.reader_dsn(), BUILD_ID_SQL],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            ready = json.loads(reader.stdout.readline())
            assert ready["first"] == list(old) and ready["pg_first"] == list(old)
            ids = []
            for run in range(2):
                log = tmp_path / f"phases{run}.log"
                proc = subprocess.run(
                    ["make", "--no-print-directory", "-C", str(ROOT), "build"],
                    env=_env(warehouse, HOUSE_EDGE_PG_DATA=str(cfg.data_dir),
                             HOUSE_EDGE_PHASE_LOG=str(log)),
                    capture_output=True, text=True, timeout=900)
                assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
                assert tuple(log.read_text().split()) == publish.PHASES  # incl. endpoint
                ids.append(_build_id(warehouse))
            out, _ = reader.communicate("stop\n", timeout=120)
        finally:
            if reader.poll() is None:
                reader.kill()
        result = json.loads(out.splitlines()[-1])
    finally:
        serve.stop(cfg)
    assert result["errors"] == []
    assert result["loops"] > 20
    assert result["seen"] == [list(old)]  # the held DuckDB connection: the old build throughout
    new_ids = [i[0] for i in ids]
    assert len({old[0], *new_ids}) == 3  # two new builds, each its own invocation
    assert result["after"] == list(ids[-1])  # reconnected: the newest build
    pg_ids = [row[0] for row in result["pg_seen"]]
    assert pg_ids[0] == old[0] and pg_ids[-1] == new_ids[-1]  # endpoint: old, then the newest
    assert set(pg_ids) <= {old[0], *new_ids}
