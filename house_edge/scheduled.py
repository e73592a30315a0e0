"""The scheduled job (cron: ``scripts/scheduled_run.sh``; Dagster: house_edge/orchestration):
the pipeline of ``house-edge build`` (house_edge.publish.run_steps) on a persistent private state,
``warehouse/.incremental/house_edge.duckdb``, with its own dbt target directory (dbt's
partial-parse cache survives between runs). Publish renames a copy of the state, made while the
gate reads it. plan_run decides, from the record of what the state was built from
(house_edge.job_inputs), between an **hourly** run (only the models downstream of the raw inputs
whose files changed, and the ``hourly`` tests) and a **full** one (every node). ``dbt source
freshness`` follows the build in the same dbt session: reported, not blocking. After a gate
failure the state holds the rejected rows: fix the input, then run with ``--full-refresh``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from house_edge import job_inputs
from house_edge.config import (
    FULL_BUILD_EXCLUDES,
    WAREHOUSE_BASENAME,
    WAREHOUSE_BUILD_EXCLUDES,
    BuildError,
    project_root,
    published_path,
)
from house_edge.publish import (
    BuildReport,
    Run,
    finish_dbt_session,
    raw_vars,
    run_steps,
    start_dbt_session,
)
from house_edge.raw_files import check_raw_files
from house_edge.validate import CheckResult, ValidationSummary

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
class RunPlan:
    kind: str  # "hourly" (incremental, the hourly tests) or "full" (every node)
    reason: str  # why this kind of run, and what it selected
    full_refresh: bool = False
    selection: list[str] = field(default_factory=list)  # --select/--exclude arguments
    changed_inputs: list[str] | None = None  # hourly: the raw inputs whose files changed


@dataclass
class JobReport(BuildReport):
    state_path: Path = Path()
    freshness: list[SourceFreshness] = field(default_factory=list)
    plan: RunPlan | None = None


def state_path(target: Path) -> Path:
    """The incremental job's private build file (kept between runs) for a published file."""
    return target.parent / STATE_DIRNAME / WAREHOUSE_BASENAME


def dbt_target_path(state: Path, purpose: str = "build") -> Path:
    """dbt's target directory for a state file: its own, so the partial-parse cache (keyed on
    the profile and the vars) stays valid from one scheduled run to the next."""
    return state.parent / f"dbt_target_{purpose}"


def _freshness_command(state: Path) -> tuple[dict, Path]:
    """The dbt session command of ``dbt source freshness`` for a state, and its output file."""
    out = state.parent / "sources.json"
    out.unlink(missing_ok=True)
    return {"args": ["source", "freshness", "--output", str(out)], "check": False}, out


def _parse_freshness(out: Path) -> list[SourceFreshness]:
    """One result per source with a freshness policy (stale data is a result, not an error)."""
    if not out.exists():
        raise BuildError("`dbt source freshness` produced no results")
    return sorted((SourceFreshness(source=r["unique_id"].removeprefix("source.house_edge."),
                                   status=r["status"], max_loaded_at=r.get("max_loaded_at"),
                                   age_seconds=r.get("max_loaded_at_time_ago_in_s"))
                   for r in json.loads(out.read_text())["results"]), key=lambda f: f.source)


def source_freshness(root: Path, state: Path, variables: dict[str, str]
                     ) -> list[SourceFreshness]:
    """``dbt source freshness`` on the raw sources, in a dbt session of its own (Dagster's raw
    source assets; the cron job runs it in its build's session). The raw files are read in
    place: no warehouse file is opened, so it never contends with a build for the state."""
    state.parent.mkdir(parents=True, exist_ok=True)
    command, out = _freshness_command(state)
    finish_dbt_session(start_dbt_session(root, Path(":memory:"), echo=False), [command],
                       root, variables, ("--target-path", str(dbt_target_path(state, "freshness"))))
    return _parse_freshness(out)


def load_gate_summary(state: Path) -> ValidationSummary:
    """The gate's summary.json for ``state`` (Dagster's gate ran in another asset), refused
    unless it validated this very file after its last change."""
    path = state.parent / "validation" / "summary.json"  # Run.gate_dir
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


def job_run(target: Path, variables: dict, echo: bool = True) -> Run:
    """The pipeline's Run for the scheduled job's state behind ``target`` (its dbt commands
    are set by run_job; Dagster's assets run dbt themselves)."""
    root, state = project_root(), state_path(target)
    state.parent.mkdir(parents=True, exist_ok=True)
    return Run(root, target, state, variables, JobReport(published_path=target, state_path=state),
               dbt_common=("--target-path", str(dbt_target_path(state))), echo=echo,
               keep_build_file=True)


def plan_run(state: Path, now: dict, full_refresh: bool = False,
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
    if then["project"] != now["project"]:
        return RunPlan("full", "the dbt project or its vars changed since the state was built",
                       full_refresh=True)
    changed = job_inputs.changed_inputs(then, now)
    reason = ("changed inputs: " + ", ".join(changed)) if changed else "no input changed"
    return RunPlan("hourly", reason, selection=job_inputs.selection_args(changed),
                   changed_inputs=changed)


def run_job(raw_paths: dict[str, str | Path] | None = None, target: Path | None = None,
            full_refresh: bool = False, echo: bool = True,
            extra_vars: dict[str, str] | None = None, all_tests: bool = False) -> JobReport:
    """The scheduled job: plan the run (plan_run), then the pipeline's steps on the state."""
    target = Path(target) if target else published_path(project_root())
    run = job_run(target, {**raw_vars(raw_paths), **(extra_vars or {})}, echo)
    state, report = run.build_file, run.report
    run.session = start_dbt_session(run.root, state, echo)  # dbt imports while we plan
    try:
        check_raw_files(run.root, run.variables)  # a missing or malformed raw file stops it here
        now = job_inputs.fingerprint(run.root, run.variables)
        plan = plan_run(state, now, full_refresh=full_refresh, all_tests=all_tests)
    except BaseException:
        run.session.kill()
        run.session.communicate()
        raise
    report.plan = plan
    job_inputs.discard(state)  # a run that fails part-way makes the next one build everything
    if plan.full_refresh:  # into a new file: the old tables' blocks would double the file
        for stale in (state, state.with_name(state.name + ".wal")):
            stale.unlink(missing_ok=True)
    freshness, out = _freshness_command(state)
    run.dbt_commands = [
        {"args": ["build", *(["--full-refresh"] if plan.full_refresh else []), *plan.selection,
                  *(FULL_BUILD_EXCLUDES if plan.kind == "full" else WAREHOUSE_BUILD_EXCLUDES)]},
        freshness]

    def built() -> None:
        job_inputs.save(state, now)
        report.freshness = _parse_freshness(out)
    run.after_dbt = built
    run_steps(run)
    return report
