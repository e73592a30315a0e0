"""What the scheduled job's state was built from, and which inputs changed since.

dbt sees code, not data: it cannot know that only a new liquidations file arrived. After every
successful build the job records (``inputs.json`` beside the state) a hash of the dbt project
and of the vars passed (``project``: when it differs, the job runs a full refresh) and, per raw
input, every file its path or glob matches with size and modification time (``inputs``). The
next hourly run selects only the descendants of the inputs that changed (``selection_args``)
plus ``EVERY_RUN``. Why not dbt's ``state:modified`` and ``source_status:fresher``: README
"Incremental models". The record is deleted before a build and written after it succeeds, so a
run after one that did not finish builds and tests everything (the hourly
``unique_keys_of_latest_load`` tests rely on that). pytests/test_job_inputs.py checks that every
model reading a raw file descends from a recorded input.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from house_edge import config

FINGERPRINT_NAME = "inputs.json"
# Inputs read through a tag, not a dbt source; their descendant views are recreated when they
# change (see selection_args).
TAGGED_INPUTS: set[str] = {"venue_files"}
# Models rebuilt on every hourly run whatever changed (build_info: which run built the file).
EVERY_RUN: tuple[str, ...] = ("build_info",)
# What a project hash covers (relative to the project root).
PROJECT_PATHS: tuple[str, ...] = ("models", "macros", "seeds", "dbt_project.yml", "profiles.yml")


def input_paths(all_vars: dict) -> dict[str, list[str]]:
    """Each raw input's paths or globs, from the vars, named as dbt selects it: the source
    ``simulator.<table>`` reads var ``raw_<table>_path``."""
    return {
        **{f"simulator.{var[4:-5]}": [str(value)] for var, value in all_vars.items()
           if var.startswith("raw_") and var.endswith("_path")},
        "real_hyperliquid.cascade_timing": [str(all_vars["reality_check_hyperliquid_timing_path"])],
        "venue_files": [str(v["path"]) for v in all_vars.get("venue_files") or []],
    }


def selector(name: str) -> str:
    """The dbt selection of every model that reads the input, directly or downstream."""
    return f"tag:{name}+" if name in TAGGED_INPUTS else f"source:{name}+"


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


def fingerprint(root: Path, variables: dict) -> dict:
    """What a build with these vars would be built from, now: ``{"project": hash, "inputs":
    {input: [[file, bytes, modification ns], ...]}}`` (globs expanded as DuckDB reads them)."""
    import duckdb

    inputs: dict[str, list[list]] = {}
    with duckdb.connect() as con:
        for name, patterns in input_paths(config.project_vars(root, variables)).items():
            inputs[name] = []
            for pattern in patterns:  # root / an absolute path is that path
                for (file,) in con.execute("select file from glob(?) order by file",
                                           [str(root / pattern)]).fetchall():
                    stat = os.stat(file)
                    inputs[name].append([file, stat.st_size, stat.st_mtime_ns])
    return {"project": _project_hash(root, variables), "inputs": inputs}


def load(state: Path) -> dict | None:
    path = state.parent / FINGERPRINT_NAME
    return json.loads(path.read_text()) if path.exists() else None


def save(state: Path, record: dict) -> None:
    path = state.parent / FINGERPRINT_NAME
    path.with_suffix(".tmp").write_text(json.dumps(record, indent=1))
    os.replace(path.with_suffix(".tmp"), path)


def discard(state: Path) -> None:
    (state.parent / FINGERPRINT_NAME).unlink(missing_ok=True)


def changed_inputs(then: dict, now: dict) -> list[str]:
    """The inputs whose matched files (names, sizes or modification times) differ."""
    return [name for name, files in now["inputs"].items() if then["inputs"].get(name) != files]


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
        select += [f"{selector(name)},resource_type:model", f"{selector(name)},tag:hourly"]
    exclude = ["test_name:unique"]
    if not set(changed) & TAGGED_INPUTS:
        exclude.append("config.materialized:view")
    return ["--select", *select, "--exclude", *exclude, "--indirect-selection", "empty"]
