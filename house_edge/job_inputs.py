"""What the scheduled job's state was built from, and which inputs changed since.

dbt sees code, not data: it cannot know that only a new liquidations file arrived, so that the
price-bar, position and venue-file models would come out as they are. After every successful
build the job records (``inputs.json`` beside the state) a hash of the dbt project and of the
vars passed (``project``: when it differs, the job runs a full refresh; dbt's own
``state:modified`` does not see a changed var) and, per raw input, every file its path or glob
matches with size and modification time (``inputs``). The next hourly run selects only the
descendants of the inputs that changed (``INPUT_SELECTIONS``, dbt's graph operators) plus
``EVERY_RUN``; dbt's ``source_status:fresher`` would miss a late file of past hours, an appended
row older than the newest and a deleted file. The record is deleted before a build and written
after it succeeds, so a run after one that did not finish builds and tests everything (the
hourly ``unique_keys_of_latest_load`` tests rely on that). pytests/test_job_inputs.py checks
that every model reading a raw file descends from one of ``INPUT_SELECTIONS``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from house_edge import config
from house_edge.config import OPTIONAL_ADL_VAR, OPTIONAL_DRAIN_VAR, OPTIONAL_RAW_VAR, RAW_VARS

FINGERPRINT_NAME = "inputs.json"

# Raw input -> the dbt selection of every model that reads it, directly or downstream.
INPUT_SELECTIONS: dict[str, str] = {
    "simulator.price_bars": "source:simulator.price_bars+",
    "simulator.positions": "source:simulator.positions+",
    "simulator.liquidations": "source:simulator.liquidations+",
    # optional (simulator switch collateral_depeg): var raw_account_collateral_path
    "simulator.account_collateral": "source:simulator.account_collateral+",
    # optional (simulator switch hyperliquid_adl): var raw_adl_fills_path
    "simulator.adl_fills": "source:simulator.adl_fills+",
    # optional (simulator switch cross_margin_drain): var raw_cross_margin_drains_path
    "simulator.cross_margin_drains": "source:simulator.cross_margin_drains+",
    "venue_files": "tag:venue_files+",
    "reality_check": "source:real_hyperliquid.cascade_timing+",
}
# Inputs whose descendant views are recreated when they change (see selection_args).
INPUTS_RECREATING_VIEWS: set[str] = {"venue_files"}
# Models rebuilt on every hourly run whatever changed (build_info: which run built the file).
EVERY_RUN: tuple[str, ...] = ("build_info",)
# What a project hash covers (relative to the project root).
PROJECT_PATHS: tuple[str, ...] = ("models", "macros", "seeds", "dbt_project.yml", "profiles.yml")


@dataclass
class Fingerprint:
    project: str
    inputs: dict[str, list[list]]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)


def input_paths(all_vars: dict) -> dict[str, list[str]]:
    """Each raw input's paths or globs, from the vars."""
    return {
        **{f"simulator.{table}": [str(all_vars[var])] for table, var in RAW_VARS.items()},
        "simulator.account_collateral": [str(all_vars[OPTIONAL_RAW_VAR])],
        "simulator.adl_fills": [str(all_vars[OPTIONAL_ADL_VAR])],
        "simulator.cross_margin_drains": [str(all_vars[OPTIONAL_DRAIN_VAR])],
        "venue_files": [str(v["path"]) for v in all_vars.get("venue_files") or []],
        "reality_check": [str(all_vars["reality_check_hyperliquid_timing_path"])],
    }


def _project_hash(root: Path, variables: dict) -> str:
    digest = hashlib.sha256(json.dumps(variables, sort_keys=True, default=str).encode())
    for name in PROJECT_PATHS:
        top = root / name
        files = sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else [top]
        for path in files:
            if path.exists():
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _file_versions(con, root: Path, patterns: list[str]) -> list[list]:
    versions = []
    for pattern in patterns:
        absolute = pattern if os.path.isabs(pattern) else str(root / pattern)
        for (name,) in con.execute("select file from glob(?) order by file",
                                   [absolute]).fetchall():
            stat = os.stat(name)
            versions.append([name, stat.st_size, stat.st_mtime_ns])
    return versions


def fingerprint(root: Path, variables: dict) -> Fingerprint:
    """What a build with these vars would be built from, now."""
    import duckdb

    paths = input_paths(config.project_vars(root, variables))
    with duckdb.connect() as con:
        inputs = {name: _file_versions(con, root, pats) for name, pats in paths.items()}
    return Fingerprint(project=_project_hash(root, variables), inputs=inputs)


def load(state: Path) -> Fingerprint | None:
    path = state.parent / FINGERPRINT_NAME
    if not path.exists():
        return None
    return Fingerprint(**json.loads(path.read_text()))


def save(state: Path, fp: Fingerprint) -> None:
    path = state.parent / FINGERPRINT_NAME
    tmp = path.with_suffix(".tmp")
    tmp.write_text(fp.to_json())
    os.replace(tmp, path)


def discard(state: Path) -> None:
    (state.parent / FINGERPRINT_NAME).unlink(missing_ok=True)


def changed_inputs(then: Fingerprint, now: Fingerprint) -> list[str]:
    """The inputs whose matched files (names, sizes or modification times) differ."""
    return [name for name in INPUT_SELECTIONS
            if then.inputs.get(name) != now.inputs.get(name)]


def selection_args(changed: list[str]) -> list[str]:
    """dbt build arguments for an hourly run after ``changed`` inputs changed: their descendant
    models and, of the tests, those tagged `hourly` downstream of them, except the whole-table
    `unique` tests: `unique_keys_of_latest_load` checks the keys this run wrote (the job runs
    every test after a run that did not finish, see scheduled.plan_run).

    Views are not recreated: their SQL has not changed. One exception: when venue files
    changed, `int_liquidations_unioned` must be, because it stamps venue rows with the
    `loaded_at` of the run that created it (venue staging tables are rebuilt in full)."""
    select = list(EVERY_RUN)
    for name in changed:
        select += [f"{INPUT_SELECTIONS[name]},resource_type:model",
                   f"{INPUT_SELECTIONS[name]},tag:hourly"]
    exclude = ["test_name:unique"]
    if not set(changed) & INPUTS_RECREATING_VIEWS:
        exclude.append("config.materialized:view")
    return ["--select", *select, "--exclude", *exclude, "--indirect-selection", "empty"]
