"""The cron wrapper (scripts/scheduled_run.sh): never two runs at once, and a failed run exits
non-zero with a message saying what failed, leaving the published warehouse alone."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "scheduled_run.sh"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return dict(os.environ, HOUSE_EDGE_LOCK_FILE=str(tmp_path / "run.lock"),
                HOUSE_EDGE_PUBLISHED_PATH=str(tmp_path / "served" / "house_edge.duckdb"),
                HOUSE_EDGE_BIN=str(Path(sys.executable).parent), **extra)


def test_a_second_run_exits_at_once_while_the_first_holds_the_lock(tmp_path):
    with open(tmp_path / "run.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a run in progress
        proc = subprocess.run(["bash", str(SCRIPT)], env=_env(tmp_path), capture_output=True,
                              text=True, timeout=60)
    assert proc.returncode == 75
    assert "SKIPPED: another run holds" in proc.stderr
    assert not (tmp_path / "served").exists()


def test_a_failed_run_exits_non_zero_naming_the_cause_and_publishes_nothing(tmp_path):
    missing = tmp_path / "captures" / "liquidations_*.csv"
    proc = subprocess.run(["bash", str(SCRIPT), "--quiet"],
                          env=_env(tmp_path, HOUSE_EDGE_RAW_LIQUIDATIONS=str(missing)),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "scheduled run FAILED, nothing published" in proc.stderr
    assert f"no file matches '{missing}'" in proc.stderr
    assert "house-edge scheduled run FAILED (exit 1)" in proc.stderr
    assert not (tmp_path / "served" / "house_edge.duckdb").exists()
    # The lock is released when the run ends: the next run may start.
    with open(tmp_path / "run.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
