"""The project's settings in one place: where the checkout is, where the warehouse is published,
the raw-input vars, the event window, and the dbt vars a run resolves.

Every module asks here (no module finds the root or reads ``dbt_project.yml`` on its own), and
this module imports nothing of the package, so it can never be part of an import loop.
dbt's own settings stay in ``dbt_project.yml`` (``vars:``); ``event_window_*`` below are the
defaults of the same vars, checked equal to them by ``pytests/test_config.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

WAREHOUSE_BASENAME = "house_edge.duckdb"
# raw table -> the dbt var naming its file(s)
RAW_VARS = {"price_bars": "raw_price_bars_path", "positions": "raw_positions_path",
            "liquidations": "raw_liquidations_path"}
# raw table -> its file's stem (the simulator writes <stem>.csv / .parquet; simulator.RAW_FILES,
# checked equal by pytests/test_config.py): here so the CLI's build need not import the
# simulator (and pandas, ~0.4 s) to find the files.
RAW_FILES = {key: f"raw_{key}" for key in RAW_VARS}
# The optional raw_account_collateral file (simulator switch collateral_depeg), read from beside
# raw_positions (publish.raw_vars).
OPTIONAL_RAW_VAR = "raw_account_collateral_path"
# The optional raw_adl_fills file (simulator switch hyperliquid_adl), read from beside
# raw_liquidations (publish.raw_vars).
OPTIONAL_ADL_VAR = "raw_adl_fills_path"
# The optional raw_cross_margin_drains file (simulator switch cross_margin_drain), read from
# beside raw_positions (publish.raw_vars).
OPTIONAL_DRAIN_VAR = "raw_cross_margin_drains_path"
# The event window (UTC): dbt vars event_window_start / event_window_end (dbt_project.yml).
EVENT_WINDOW_START = "2025-10-10 12:00:00"
EVENT_WINDOW_END = "2025-10-11 04:00:00"
DEFAULT_SAMPLE_DIR = Path("data") / "sample"
# What a warehouse build runs of `dbt build`: seeds, models and data tests. Unit tests check the
# models' SQL on fixed fixtures, not the data, so their answer is the same on every build: they
# run where the SQL changes (`make test`, CI, a developer's plain `dbt build`), not on every
# publish (31 unit tests: ~7 s of dbt node time per build at scale 1).
WAREHOUSE_BUILD_EXCLUDES = ["--exclude-resource-type", "unit_test"]
# A full build (`house-edge build`, the scheduled job's full runs) tests every key with `unique`,
# so the hourly runs' `unique_keys_of_latest_load` (tests/generic), whose latest load is then
# the whole table, would repeat it; at scale 10 the two at once ran out of DuckDB's 1 GB.
FULL_BUILD_EXCLUDES = [*WAREHOUSE_BUILD_EXCLUDES, "--exclude",
                       "test_name:unique_keys_of_latest_load"]


class BuildError(RuntimeError):
    """A build step failed; the published warehouse was left as it was."""


def project_root() -> Path:
    """The dbt project: HOUSE_EDGE_PROJECT_DIR, else the nearest parent with dbt_project.yml."""
    env = os.environ.get("HOUSE_EDGE_PROJECT_DIR")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "dbt_project.yml").exists():
            return candidate
    raise BuildError("no dbt_project.yml here or above; run from the House Edge checkout "
                     "or set HOUSE_EDGE_PROJECT_DIR")


def package_project_root() -> Path:
    """For code that runs outside the checkout's cwd (Dagster's code location):
    HOUSE_EDGE_PROJECT_DIR, else the checkout this package is imported from."""
    env = os.environ.get("HOUSE_EDGE_PROJECT_DIR")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[1]


def published_path(root: Path | None = None) -> Path:
    """The published warehouse: HOUSE_EDGE_PUBLISHED_PATH, else ROOT/warehouse/house_edge.duckdb."""
    env = os.environ.get("HOUSE_EDGE_PUBLISHED_PATH")
    if env:
        return Path(env).resolve()
    return (root or project_root()) / "warehouse" / WAREHOUSE_BASENAME


def project_vars(root: Path | None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The vars a dbt run sees: ``dbt_project.yml``'s ``vars:`` overlaid with ``overrides``
    (the build's ``--vars``); without a root (or its file), the overrides alone."""
    found: dict[str, Any] = {}
    if root is not None and (root / "dbt_project.yml").exists():
        import yaml

        doc = yaml.safe_load((root / "dbt_project.yml").read_text()) or {}
        found = dict(doc.get("vars") or {})
    return {**found, **(overrides or {})}
