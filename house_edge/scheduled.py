"""The scheduled job: incremental dbt build, source freshness, the publish gate, publish.

Run every hour or day over growing raw captures, by Dagster (house_edge/orchestration) or by cron
(``house-edge scheduled-run`` under ``scripts/scheduled_run.sh``, which holds a lock). The steps:

1. **Build** into a *persistent* private file ``warehouse/.incremental/house_edge.duckdb`` (the
   state of the incremental models). What to build is decided from the record of what the state
   was built from (house_edge.job_inputs, ``inputs.json``; plan_run):

   * **hourly** (the project and vars unchanged): only the models downstream of the raw inputs
     whose files changed, incremental ones reading only new and changed files; views are not
     recreated; of the tests, the ``hourly`` ones downstream (rows conserved per raw source,
     bucket keys, and ``unique_keys_of_latest_load`` in place of whole-table ``unique``);
   * **full**: ``--full-refresh`` (the daily schedule; also when the project or a var changed,
     into a new state file), ``--all-tests``, the first run, and the run after one that did not
     finish (the record is deleted before a build and written after it succeeds): every node,
     seeds, every data test (unit tests run in `make test`: config.WAREHOUSE_BUILD_EXCLUDES).

   dbt's tests block. Each state keeps its own dbt target directory, so dbt's partial-parse
   cache survives between runs.
2. **Freshness**: ``dbt source freshness`` on the raw sources (newest fill / bar in the raw files
   against the clock; thresholds in models/staging/simulator/_simulator__sources.yml). Reported,
   not blocking: a stale capture still publishes what it has, and the report says it is stale.
   It runs right after the build in the same dbt process (house_edge.dbt_session: one import of
   dbt, one parse), which is started before the job has planned the build.
3. **Gate**: the file is checkpointed, checked for required tables, and validated read-only by the
   Great Expectations publish gate (house_edge.validate), on every run, hourly too. A critical
   failure stops the job. (Great Expectations is imported while dbt builds.)
4. **Publish**: a copy of the gated file, made while the gate reads it, is ``os.replace()``d over
   the published file (one rename: readers see the old or the new warehouse, never half of one).
   The private file stays as the next run's state. A failed job leaves the published file
   untouched.

A gate failure leaves the private state holding the rejected data; fix the input, then run with
``--full-refresh`` (re-reads every raw file) so no rejected row survives in the state.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from house_edge import job_inputs
from house_edge.config import (
    WAREHOUSE_BASENAME,
    WAREHOUSE_BUILD_EXCLUDES,
    BuildError,
    project_root,
    published_path,
)
from house_edge.publish import (
    check_built_file,
    dbt_executable,
    finish_dbt_session,
    publish_built_file,
    raw_vars,
    refresh_endpoint,
    run_gate,
    staging_path,
    start_dbt_session,
)
from house_edge.validate import (
    CheckResult,
    ValidationSummary,
    gate_started_early,
)

STATE_DIRNAME = ".incremental"


@dataclass
class SourceFreshness:
    source: str
    status: str  # pass / warn / error / runtime error
    max_loaded_at: str | None
    age_seconds: float | None

    def describe(self) -> str:
        age = f"{self.age_seconds / 3600:.1f} h old" if self.age_seconds is not None else "no rows"
        return f"{self.source}: {self.status} (newest row {self.max_loaded_at}, {age})"


@dataclass
class JobReport:
    published_path: Path
    state_path: Path
    freshness: list[SourceFreshness] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    validation: ValidationSummary | None = None
    kind: str = "full"  # "hourly" (incremental, the hourly tests) or "full" (every node)
    reason: str = ""  # why this kind of run, and what it selected
    changed_inputs: list[str] | None = None  # hourly: the raw inputs whose files changed


def state_path(target: Path) -> Path:
    """The incremental job's private build file (kept between runs) for a published file."""
    return target.parent / STATE_DIRNAME / WAREHOUSE_BASENAME


def gate_dir(state: Path) -> Path:
    return state.parent / "validation"


def dbt_target_path(state: Path, purpose: str = "build") -> Path:
    """dbt's target directory for a state file: its own, so the partial-parse cache (keyed on
    the profile and the vars) stays valid from one scheduled run to the next."""
    return state.parent / f"dbt_target_{purpose}"


def freshness_results_path(state: Path) -> Path:
    """Where ``dbt source freshness --output`` writes its results for a state."""
    return state.parent / "sources.json"


def _parse_freshness(out: Path, proc_output: str, returncode: int) -> list[SourceFreshness]:
    """One result per source with a freshness policy. Never raises for stale data (dbt exits 1
    then); raises BuildError when dbt could not produce results at all."""
    if not out.exists():
        tail = "\n".join(proc_output.splitlines()[-20:])
        raise BuildError(f"`dbt source freshness` produced no results (exit {returncode})"
                         f"\n{tail}")
    results = []
    for r in json.loads(out.read_text())["results"]:
        source = r["unique_id"].removeprefix("source.house_edge.")
        results.append(SourceFreshness(source=source, status=r["status"],
                                       max_loaded_at=r.get("max_loaded_at"),
                                       age_seconds=r.get("max_loaded_at_time_ago_in_s")))
    return sorted(results, key=lambda f: f.source)


def source_freshness(root: Path, state: Path, variables: dict[str, str]
                     ) -> list[SourceFreshness]:
    """``dbt source freshness`` on the raw sources, in a process of its own (Dagster's raw
    source assets; the cron job runs it in its build's dbt process, see build)."""
    state.parent.mkdir(parents=True, exist_ok=True)
    out = freshness_results_path(state)
    out.unlink(missing_ok=True)
    cmd = [dbt_executable(), "source", "freshness", "--output", str(out),
           "--target-path", str(dbt_target_path(state, "freshness")),
           "--project-dir", str(root), "--profiles-dir", str(root)]
    if variables:
        cmd += ["--vars", json.dumps(variables)]
    # The raw sources are read in place (read_csv / read_parquet): no warehouse file is needed,
    # so freshness never contends with a build for the state file's lock.
    env = dict(os.environ, HOUSE_EDGE_DUCKDB_PATH=":memory:")
    proc = subprocess.run(cmd, cwd=root, env=env, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    return _parse_freshness(out, proc.stdout or "", proc.returncode)


def load_gate_summary(state: Path) -> ValidationSummary:
    """The gate's summary.json for ``state``, back as a ValidationSummary."""
    path = gate_dir(state) / "summary.json"
    if not path.exists():
        raise BuildError(f"no gate result at {path}: the build was not validated; not publishing")
    doc = json.loads(path.read_text())
    if Path(doc["database"]) != state:
        raise BuildError(f"{path} validated {doc['database']}, not {state}; not publishing")
    if path.stat().st_mtime < state.stat().st_mtime:
        raise BuildError(f"{state} changed after it was validated; not publishing")
    results = [CheckResult(**r) for r in doc["results"]]
    return ValidationSummary(database=doc["database"], seconds=doc["seconds"], results=results,
                             duckdb_seconds=doc.get("duckdb_seconds", 0.0),
                             data_docs_index=doc.get("data_docs_index"))


def build(root: Path, state: Path, variables: dict[str, str], full_refresh: bool = False,
          echo: bool = True, selection: list[str] | None = None, freshness: bool = False,
          session: subprocess.Popen | None = None) -> list[SourceFreshness]:
    """Step 1: ``dbt build`` into the private state file (``selection``: --select/--exclude
    arguments; none builds every node). With ``freshness``, step 2 follows in the same dbt
    process (house_edge.dbt_session: one import, one parse): ``dbt source freshness``, whose
    results are returned. ``session``: one already started on ``state`` (start_dbt_session)."""
    state.parent.mkdir(parents=True, exist_ok=True)
    args = ["build", *(["--full-refresh"] if full_refresh else []), *(selection or []),
            *WAREHOUSE_BUILD_EXCLUDES]
    commands = [{"args": args}]
    out = freshness_results_path(state)
    if freshness:
        out.unlink(missing_ok=True)
        commands.append({"args": ["source", "freshness", "--output", str(out)], "check": False})
    finish_dbt_session(session or start_dbt_session(root, state, echo), commands,
                       ["--target-path", str(dbt_target_path(state))], root, variables)
    return _parse_freshness(out, "", 0) if freshness else []


def publish(state: Path, target: Path, staged: bool = False) -> ValidationSummary:
    """Step 4: publish the gated state file over ``target`` (a copy, then one rename;
    ``staged``: the copy is already at staging_path(target))."""
    summary = load_gate_summary(state)
    if summary.critical_failures:
        staging_path(target).unlink(missing_ok=True)
        raise BuildError("the publish gate failed: "
                         + ", ".join(r.name for r in summary.critical_failures)
                         + "; the published warehouse was not touched")
    publish_built_file(state, target, summary, gate_dir(state), keep_build_file=True,
                       staged=staged)
    refresh_endpoint(target)  # a running `house-edge serve` endpoint gets the new marts
    return summary


@dataclass
class RunPlan:
    kind: str  # "hourly" or "full"
    reason: str
    full_refresh: bool = False
    selection: list[str] = field(default_factory=list)  # --select/--exclude arguments
    changed_inputs: list[str] | None = None  # None: not compared


def plan_run(state: Path, now: job_inputs.Fingerprint, full_refresh: bool = False,
             all_tests: bool = False) -> RunPlan:
    """Which kind of run the job does, and what it selects (house_edge.job_inputs)."""
    if full_refresh:
        return RunPlan("full", "--full-refresh asked for", full_refresh=True)
    if not state.exists():
        return RunPlan("full", "first run: no state yet")
    if all_tests:
        return RunPlan("full", "--all-tests asked for")
    then = job_inputs.load(state)
    if then is None:  # the last run failed or was interrupted (or predates the record)
        return RunPlan("full", "no record that the last run finished: every model and test")
    if then.project != now.project:
        return RunPlan("full", "the dbt project or its vars changed since the state was built",
                       full_refresh=True)
    changed = job_inputs.changed_inputs(then, now)
    reason = ("changed inputs: " + ", ".join(changed)) if changed else "no input changed"
    return RunPlan("hourly", reason, selection=job_inputs.selection_args(changed),
                   changed_inputs=changed)


def run_job(raw_paths: dict[str, str | Path] | None = None, target: Path | None = None,
            full_refresh: bool = False, echo: bool = True,
            extra_vars: dict[str, str] | None = None, all_tests: bool = False) -> JobReport:
    """Build, freshness, gate, publish: the whole scheduled job (see the module docstring
    and plan_run for which kind of run it does)."""
    root = project_root()
    target = Path(target) if target else published_path(root)
    state = state_path(target)
    variables = {**raw_vars(raw_paths), **(extra_vars or {})}

    from house_edge.raw_files import check_raw_files

    t0 = time.perf_counter()
    check_raw_files(root, variables)  # a missing or malformed raw file stops the job here
    state.parent.mkdir(parents=True, exist_ok=True)
    session = start_dbt_session(root, state, echo)  # dbt imports while the run is planned
    # The gate runs Great Expectations in its own process: started now, its imports (~4 s) are
    # done while dbt builds.
    report = JobReport(published_path=target, state_path=state)
    with gate_started_early():
        try:
            now = job_inputs.fingerprint(root, variables)
            plan = plan_run(state, now, full_refresh=full_refresh, all_tests=all_tests)
        except BaseException:
            session.kill()
            session.communicate()
            raise
        report.kind, report.reason = plan.kind, plan.reason
        report.changed_inputs = plan.changed_inputs
        job_inputs.discard(state)  # a run that fails part-way makes the next one build everything
        if plan.full_refresh:
            # Everything is rebuilt from the raw files: into a new file, not over the old one,
            # which would keep the old tables' blocks as free space (the file doubles; publish
            # copies it).
            for stale in (state, state.with_name(state.name + ".wal")):
                stale.unlink(missing_ok=True)
        report.freshness = build(root, state, variables, full_refresh=plan.full_refresh,
                                 echo=echo, selection=plan.selection, freshness=True,
                                 session=session)
        job_inputs.save(state, now)
        report.seconds["dbt_build_and_freshness"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        report.row_counts = check_built_file(state)  # checkpointed: the file is final from here
        # Publish's copy of the state is made while the gate reads it (both only read it).
        target.parent.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=1) as pool:
            copy = pool.submit(shutil.copyfile, state, staging_path(target))
            try:
                report.validation = run_gate(state, root, variables, gate_dir(state))
            except BaseException:
                copy.exception()  # wait for the copy (its own error, if any, is moot now)
                staging_path(target).unlink(missing_ok=True)
                raise
            copy.result()
        report.seconds["validate_and_copy"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    publish(state, target, staged=True)
    report.seconds["publish"] = time.perf_counter() - t0
    return report
