"""Build the warehouse into a private file, check it, and publish it in one rename.

DuckDB allows one writer *or* many readers per file. So dbt never writes the served file:
it builds ``warehouse/.build/house_edge.duckdb`` (same basename: dbt-duckdb names the catalog
after it) in a separate process, which closes every connection when it exits; the file is then
checkpointed, checked read-only, validated by the publish gate (``house_edge.validate``: Great
Expectations suites on the private file, opened read-only), and only then ``os.replace()``d over
``warehouse/house_edge.duckdb``. A critical expectation failure raises BuildError; warnings are
recorded in ``warehouse/validation/latest.json`` and the Data Docs in ``warehouse/data_docs/``.
Readers of the old file keep their inode until they reconnect; new opens see the new file; no one
ever sees a half-built warehouse, and a failed build leaves the published file untouched.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from house_edge.config import (  # noqa: F401  (BuildError, project_root, ...: their old home)
    FULL_BUILD_EXCLUDES,
    OPTIONAL_ADL_VAR,
    OPTIONAL_DRAIN_VAR,
    OPTIONAL_RAW_VAR,
    RAW_VARS,
    WAREHOUSE_BASENAME,
    WAREHOUSE_BUILD_EXCLUDES,
    BuildError,
    project_root,
    published_path,
)
from house_edge.raw_files import check_raw_files
from house_edge.validate import (
    ValidationSummary,
    describe,
    gate_started_early,
    load_settings,
    validate,
)

# Tables that must exist and hold rows before a build may be published.
REQUIRED_NON_EMPTY = ("marts.fct_liquidations", "marts.dim_exchanges", "marts.dim_symbols",
                      "reference.exchanges", "reference.symbols")


# Phase markers (issue 7): each phase's name is appended to the file named by
# HOUSE_EDGE_PHASE_LOG as it starts (schedulers and the crash tests watch it); with
# HOUSE_EDGE_PAUSE_AT_PHASE=<name> the build holds HOUSE_EDGE_PAUSE_SECONDS (default 60) at the
# start of that phase, so a test can SIGKILL it at an exact point. Phases, in order:
# dbt, check, validate, publish (gate record + data docs), rename (the os.replace), endpoint
# (refresh of a running `house-edge serve`), done.
PHASES = ("dbt", "check", "validate", "publish", "rename", "endpoint", "done")


def phase(name: str) -> None:
    """Mark the start of a build phase (see PHASES); pause there if asked to."""
    log = os.environ.get("HOUSE_EDGE_PHASE_LOG")
    if log:
        with open(log, "a") as fh:
            fh.write(f"{name}\n")
            fh.flush()
            os.fsync(fh.fileno())
    if os.environ.get("HOUSE_EDGE_PAUSE_AT_PHASE") == name:
        time.sleep(float(os.environ.get("HOUSE_EDGE_PAUSE_SECONDS", "60")))


@dataclass
class BuildReport:
    published_path: Path
    seconds: dict[str, float] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    validation: ValidationSummary | None = None
    validation_summary_path: Path | None = None
    data_docs_index: Path | None = None


def dbt_executable() -> str:
    """The dbt of this interpreter's environment (the project's virtualenv)."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def raw_vars(raw_paths: dict[str, str | Path] | None) -> dict[str, str]:
    """dbt vars for the raw inputs, as absolute paths so the views keep working wherever the
    published file is opened from."""
    out = {}
    for key, value in (raw_paths or {}).items():
        if key not in RAW_VARS:
            raise BuildError(f"unknown raw table {key!r}; expected one of {sorted(RAW_VARS)}")
        text = str(value)
        out[RAW_VARS[key]] = text if any(c in text for c in "*?[") else str(Path(text).resolve())
    if "positions" in (raw_paths or {}):
        out[OPTIONAL_RAW_VAR] = str(account_collateral_path(raw_paths["positions"]))
        out[OPTIONAL_DRAIN_VAR] = str(_beside(raw_paths["positions"], "raw_cross_margin_drains",
                                              NO_CROSS_MARGIN_DRAINS))
    if "liquidations" in (raw_paths or {}):
        out[OPTIONAL_ADL_VAR] = str(_beside(raw_paths["liquidations"], "raw_adl_fills",
                                            NO_ADL_FILLS))
    return out


# The optional raw_account_collateral file (simulator switch collateral_depeg): read from beside
# raw_positions, so a simulation's accounts and its collateral always come from the same run; a
# directory without one (an older simulation, a venue's files) gets the empty file: every account
# USDT-margined.
NO_ACCOUNT_COLLATERAL = Path("data") / "sample" / "no_collateral" / "raw_account_collateral.csv"


# The optional raw_adl_fills file (simulator switch hyperliquid_adl): read from beside
# raw_liquidations, so the ADL fills always come from the run of the fills they refer to; a
# directory without one (an older simulation, a venue's files) gets the empty file: no ADL fills.
NO_ADL_FILLS = Path("data") / "sample" / "no_adl" / "raw_adl_fills.csv"


# The optional raw_cross_margin_drains file (simulator switch cross_margin_drain): read from
# beside raw_positions, so the drains always come from the run of the positions they refer to; a
# directory without one gets the empty file: no cross position's equity is drained.
NO_CROSS_MARGIN_DRAINS = Path("data") / "sample" / "no_drains" / "raw_cross_margin_drains.csv"


def _beside(path: str | Path, stem: str, empty: Path) -> Path:
    """The file ``stem`` beside ``path`` (a file or a glob), in its format (.parquet beside
    Parquet, else .csv), or the project's empty file ``empty``."""
    text = str(path)
    directory = Path(text).parent if not any(c in text for c in "*?[") else Path(
        text.split("*")[0].split("?")[0].split("[")[0]).parent
    suffixes = (".parquet", ".csv") if text.endswith(".parquet") else (".csv", ".parquet")
    for suffix in suffixes:
        candidate = directory / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate.resolve()
    return (project_root() / empty).resolve()


def account_collateral_path(positions_path: str | Path) -> Path:
    """The raw_account_collateral file beside ``positions_path`` (a file or a glob), in the
    positions' format (.parquet beside Parquet positions, else .csv; the simulator writes both
    in one format), or the empty one shipped in data/sample/no_collateral."""
    return _beside(positions_path, "raw_account_collateral", NO_ACCOUNT_COLLATERAL)


def parse_vars(text: str | None) -> dict[str, object]:
    """``--vars`` as dbt reads it (a YAML or JSON mapping) -> a dict; BuildError naming the
    problem otherwise. The raw-input path vars are resolved like ``--raw-dir`` paths."""
    if not text:
        return {}
    import yaml

    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BuildError(f"--vars {text!r} is not YAML/JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise BuildError(f"--vars {text!r}: expected a mapping such as "
                         "'{event_window_start: \"2025-10-10 18:00:00\"}'")
    by_var = {var: key for key, var in RAW_VARS.items()}
    raw = raw_vars({by_var[k]: v for k, v in parsed.items() if k in by_var})
    return {**{str(k): v for k, v in parsed.items()}, **raw}


# dbt's "12 of 565 OK created sql table model ..." lines: the progress of a run
_DBT_NODE_DONE = re.compile(r"\b(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP)\b")


def start_dbt_session(root: Path, db_path: Path, echo: bool = True) -> subprocess.Popen:
    """Start house_edge.dbt_session against db_path: it imports dbt (~3 s) while the caller
    decides what to run, then reads its commands from stdin (finish_dbt_session)."""
    env = dict(os.environ, HOUSE_EDGE_DUCKDB_PATH=str(db_path), HOUSE_EDGE_BUILD_ROLE="private")
    return subprocess.Popen([sys.executable, "-m", "house_edge.dbt_session"], cwd=root, env=env,
                            text=True, stdin=subprocess.PIPE,
                            stdout=None if echo else subprocess.PIPE,
                            stderr=None if echo else subprocess.STDOUT)


def finish_dbt_session(proc: subprocess.Popen, commands: list[dict], root: Path,
                       variables: dict, common: tuple[str, ...] = (),
                       log_path: Path | None = None,
                       progress: Callable[[int, int], None] | None = None) -> None:
    """Send a started session its commands ([{"args": [...], "check": bool}], each with
    ``common``, the project and the vars) and wait. Without echo, dbt's output goes to
    ``log_path`` (when given), ``progress(done, total)`` is called as nodes finish, and a
    failure carries the last lines. Raises BuildError when a checked command fails."""
    common = [*common, "--project-dir", str(root), "--profiles-dir", str(root)]
    if "DBT_LOG_LEVEL_FILE" not in os.environ:
        # dbt's debug file log (logs/dbt.log: every statement of every node, each record also a
        # stat() of the file) cost ~2 of the sample build's ~19 CPU s (issue 17); the nodes'
        # lines are in the build's own log (log_path) or on the terminal.
        # DBT_LOG_LEVEL_FILE=debug brings the file back.
        common += ["--log-level-file", "none"]
    if variables:
        common += ["--vars", json.dumps(variables)]
    with contextlib.suppress(BrokenPipeError):  # a session that died says why below
        proc.stdin.write(json.dumps({"common": common, "commands": commands}))  # type: ignore
        proc.stdin.close()  # type: ignore[union-attr]
    lines: deque[str] = deque(maxlen=40)
    if proc.stdout is not None:
        if log_path:
            log_path.parent.mkdir(parents=True, exist_ok=True)
        with (log_path.open("w") if log_path else contextlib.nullcontext()) as log:
            for line in proc.stdout:
                lines.append(line.rstrip("\n"))
                if log:
                    log.write(line)
                found = _DBT_NODE_DONE.search(line) if progress else None
                if found:
                    progress(int(found.group(1)), int(found.group(2)))  # type: ignore[misc]
    if proc.wait() != 0:
        names = ", ".join(" ".join(c["args"][:2] if c["args"][0] == "source" else c["args"][:1])
                          for c in commands)
        tail = ("\n" + "\n".join(lines) + (f"\n(dbt's whole output: {log_path})" if log_path
                                            else "")) if lines else ""
        raise BuildError(f"dbt ({names}) failed (exit {proc.returncode}); "
                         f"the published warehouse was not touched.{tail}")


def run_dbt(args: list[str], root: Path, db_path: Path, variables: dict[str, str],
            echo: bool = True, log_path: Path | None = None,
            progress: Callable[[int, int], None] | None = None) -> None:
    """Run one dbt command against db_path (raw CSVs pre-flighted first, while the session
    imports dbt), in a dbt session."""
    session = start_dbt_session(root, db_path, echo)
    try:
        check_raw_files(root, variables)
    except BaseException:
        session.kill()  # it has read no command: nothing was built
        session.wait()
        raise
    finish_dbt_session(session, [{"args": args}], root, variables, log_path=log_path,
                       progress=progress)


def check_built_file(db_path: Path) -> dict[str, int]:
    """Checkpoint the build file, then confirm every required table exists and has rows."""
    with duckdb.connect(str(db_path)) as con:  # read-write: fold any WAL into the file
        con.execute("checkpoint")
    counts = {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        for table in REQUIRED_NON_EMPTY:
            try:
                counts[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
            except duckdb.Error as exc:
                raise BuildError(f"built warehouse lacks {table}: {exc}") from exc
            if counts[table] == 0:
                raise BuildError(f"built warehouse has no rows in {table}; not publishing")
    return counts


@dataclass
class Run:
    """One pass through STEPS, the pipeline build_and_publish, the scheduled job
    (house_edge.scheduled) and Dagster's assets (house_edge.orchestration) all run: where dbt
    builds, what it runs, and what each step leaves for the next (``report``)."""
    root: Path
    target: Path  # the published file
    build_file: Path  # the private file dbt builds (the scheduled job keeps it as its state)
    variables: dict
    report: BuildReport
    dbt_commands: list[dict] = field(default_factory=list)  # house_edge.dbt_session commands
    dbt_common: tuple[str, ...] = ()  # added to each (e.g. the job's --target-path)
    echo: bool = True
    keep_build_file: bool = False  # publish a copy (the scheduled job's state stays)
    progress: Callable[[str, int, int], None] | None = None
    session: subprocess.Popen | None = None  # a dbt session started early (start_dbt_session)
    after_dbt: Callable[[], None] | None = None  # e.g. the job records what it built from

    @property
    def gate_dir(self) -> Path:
        return self.build_file.parent / "validation"


def _dbt_step(run: Run) -> None:
    """Pre-flight the raw files, then the dbt commands (a build; the job adds freshness). The
    session starts first: it imports dbt (~1.5 s) while the pre-flight scans the CSVs (~0.8 s
    on the sample), and is killed (run_steps) if the pre-flight fails, having read no command."""
    if run.session is None:
        run.session = start_dbt_session(run.root, run.build_file, run.echo)
        check_raw_files(run.root, run.variables)
    finish_dbt_session(run.session, run.dbt_commands, run.root, run.variables, run.dbt_common,
                       log_path=None if run.echo else build_log_path(run.target),
                       progress=(lambda done, total: run.progress("dbt", done, total))
                       if run.progress else None)
    if run.after_dbt:
        run.after_dbt()


def _check_step(run: Run) -> None:
    run.target.parent.mkdir(parents=True, exist_ok=True)
    run.report.row_counts = check_built_file(run.build_file)  # checkpointed: final from here


def _validate_step(run: Run) -> None:
    """The publish gate. A build file that is kept is copied for publish meanwhile (both read)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        copy = (pool.submit(shutil.copyfile, run.build_file, staging_path(run.target))
                if run.keep_build_file else None)
        try:
            run_gate(run.build_file, run.root, run.variables, run.gate_dir, run.report)
        except BaseException:
            if copy:
                copy.exception()  # wait for the copy (its own error, if any, is moot now)
            staging_path(run.target).unlink(missing_ok=True)
            raise
        if copy:
            copy.result()


def _publish_step(run: Run) -> None:
    summary = run.report.validation
    if summary is None or summary.critical_failures:  # never publish an ungated build
        staging_path(run.target).unlink(missing_ok=True)
        raise BuildError("the publish gate failed: " + (", ".join(
            r.name for r in summary.critical_failures) if summary else "it did not run")
            + "; the published warehouse was not touched")
    publish_built_file(run.build_file, run.target, summary, run.gate_dir, run.report,
                       keep_build_file=run.keep_build_file, staged=run.keep_build_file)
    if not run.keep_build_file:
        shutil.rmtree(run.build_file.parent, ignore_errors=True)


def _endpoint_step(run: Run) -> None:
    refresh_endpoint(run.target, run.report)


# The pipeline, in order (each step's name is also its phase, see PHASES).
STEPS: tuple[tuple[str, Callable[[Run], None]], ...] = (
    ("dbt", _dbt_step), ("check", _check_step), ("validate", _validate_step),
    ("publish", _publish_step), ("endpoint", _endpoint_step))


def run_steps(run: Run, names: tuple[str, ...] | None = None) -> BuildReport:
    """Run the pipeline's STEPS (or those ``names``) in order, timing each; the gate's process
    starts first, so it imports Great Expectations and makes its suites while dbt builds."""
    with gate_started_early(run.root, run.variables, run.gate_dir / "data_docs") \
            if names is None or "validate" in names else contextlib.nullcontext():
        for name, step in STEPS:
            if names is None or name in names:
                phase(name)
                if run.progress:
                    run.progress(name, 0, 0)
                t0 = time.perf_counter()
                try:
                    step(run)
                except BaseException:
                    if run.session is not None and run.session.poll() is None:
                        run.session.kill()  # e.g. interrupted while dbt builds
                        run.session.wait()
                    raise
                if name != "endpoint":  # timed by refresh_endpoint when one is running
                    run.report.seconds[name] = time.perf_counter() - t0
    if names is None or "endpoint" in names:
        phase("done")
    return run.report


def build_and_publish(raw_paths: dict[str, str | Path] | None = None,
                      target: Path | None = None, echo: bool = True,
                      extra_vars: dict[str, str] | None = None,
                      progress: Callable[[str, int, int], None] | None = None) -> BuildReport:
    """A full dbt build into a private file, checked, gated, then atomically renamed over the
    published file (run_steps). ``echo``: dbt's output on the terminal; otherwise it is written
    to ``<warehouse dir>/logs/dbt_build.log``. ``progress(phase, done, total)``: called as each
    phase starts (done = total = 0) and, in the dbt phase without echo, as nodes finish."""
    root = project_root()
    target = Path(target) if target else published_path(root)
    build_file = target.parent / ".build" / WAREHOUSE_BASENAME
    shutil.rmtree(build_file.parent, ignore_errors=True)
    build_file.parent.mkdir(parents=True, exist_ok=True)
    return run_steps(Run(root, target, build_file, {**raw_vars(raw_paths), **(extra_vars or {})},
                         BuildReport(published_path=target), echo=echo, progress=progress,
                         dbt_commands=[{"args": ["build", *FULL_BUILD_EXCLUDES]}]))


def build_log_path(target: Path) -> Path:
    """Where a quiet build writes dbt's output: beside the published file, in logs/."""
    return target.parent / "logs" / "dbt_build.log"


def run_gate(build_file: Path, root: Path, variables: dict[str, str],
             gate_dir: Path, report: BuildReport | None = None) -> ValidationSummary:
    """The publish gate (house_edge.validate) on a built file, its summary also kept in
    ``report``; BuildError on a critical failure."""
    try:
        summary = validate(build_file, gate_dir, load_settings(root, variables),
                           docs_dir=gate_dir / "data_docs")
    except duckdb.Error as exc:  # e.g. a table a suite reads is missing from the build
        raise BuildError(f"the publish gate could not run ({exc}); "
                         f"the published warehouse was not touched") from exc
    if report is not None:
        report.validation = summary
    if summary.critical_failures:
        raise BuildError(
            f"the publish gate failed {len(summary.critical_failures)} critical "
            f"expectation(s); the published warehouse was not touched.\n"
            + "\n".join(describe(r) for r in summary.critical_failures)
            + f"\nfull results: {gate_dir / 'summary.json'}; Data Docs: "
              f"{summary.data_docs_index}")
    return summary


def staging_path(target: Path) -> Path:
    """Where a copy of a build file waits, next to ``target``, for its one-rename publish."""
    return target.with_name(f".{target.name}.publishing")


def publish_built_file(build_file: Path, target: Path, summary: ValidationSummary,
                       gate_dir: Path, report: BuildReport | None = None,
                       keep_build_file: bool = False, staged: bool = False) -> None:
    """Publish a built, gated file over ``target`` in one os.replace(), with the gate's record.

    ``keep_build_file``: copy it next to the target first (the incremental job keeps its build
    file as the state of the next run) instead of moving it; ``staged``: that copy was already
    made (at staging_path(target), e.g. while the gate read the build file).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    # The gate's record goes next to the published file first (a reader of the docs may see
    # them a moment before the new warehouse; never the other way round for a failed build).
    validation_dir = target.parent / "validation"
    validation_dir.mkdir(parents=True, exist_ok=True)
    latest = validation_dir / "latest.json"
    summary.data_docs_index = str(target.parent / "data_docs" / "index.html")
    latest.with_suffix(".json.tmp").write_text(summary.to_json())
    os.replace(latest.with_suffix(".json.tmp"), latest)
    docs = target.parent / "data_docs"
    shutil.rmtree(docs, ignore_errors=True)
    shutil.move(gate_dir / "data_docs", docs)
    if report is not None:
        report.validation_summary_path = latest
        report.data_docs_index = docs / "index.html"
    if keep_build_file:
        if not staged:
            shutil.copyfile(build_file, staging_path(target))
        mark_published(staging_path(target))  # the copy, not the state file dbt builds next
        phase("rename")
        os.replace(staging_path(target), target)  # one rename: readers see the old or the new
    else:
        mark_published(build_file)
        phase("rename")
        os.replace(build_file, target)  # one rename: readers see the old or the new, never half


def mark_published(db_path: Path) -> None:
    """Stamp ``marts.build_info.published_at`` on a gated file about to be renamed over the
    published warehouse. dbt's on-run-start guard (macros/published_warehouse_guard.sql) refuses
    to write a file so marked, so a plain ``dbt build`` can never rebuild the published warehouse
    in place, ungated, under its readers."""
    with duckdb.connect(str(db_path)) as con:
        con.execute("update marts.build_info set published_at = "
                    "cast(current_timestamp at time zone 'UTC' as timestamp)")
        con.execute("checkpoint")


def refresh_endpoint(target: Path, report: BuildReport | None = None) -> None:
    """A running Postgres endpoint of this warehouse (`house-edge serve`) gets the new marts,
    swapped in one transaction; none running: nothing to do."""
    from house_edge import serve
    t0 = time.perf_counter()
    try:
        if serve.refresh_if_running(target) is not None and report is not None:
            report.seconds["endpoint"] = time.perf_counter() - t0
    except serve.ServeError as exc:
        raise BuildError(f"published {target}, but the Postgres endpoint still serves the "
                         f"previous build: {exc}") from exc
