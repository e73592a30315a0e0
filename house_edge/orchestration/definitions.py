"""Dagster definitions: the scheduled House Edge job as assets and blocking checks.

* ``raw_files``: one asset per raw source (the keys dagster-dbt gives the dbt sources, so every
  staging model depends on them): pre-flights the raw CSVs and runs ``dbt source freshness``,
  reported as metadata (stale data is reported, not blocking).
* every dbt model (and seed) is an asset of ``house_edge_dbt_assets``; dbt's data tests are
  their asset checks. They build incrementally into the job's private state file
  (house_edge.scheduled: ``warehouse/.incremental/house_edge.duckdb``).
* ``publish_gate``: the Great Expectations publish gate (house_edge.validate), one BLOCKING
  asset check per suite on the model it validates; a critical failure fails the check with
  ERROR severity, and nothing downstream runs.
* ``published_warehouse``: the last asset; copies the gated state over the published file in
  one ``os.replace()``.
* schedules: ``house_edge_hourly`` (live captures: incremental, minute 5 of every hour; the dbt
  tests tagged ``hourly`` and the publish gate) and ``house_edge_daily`` (00:30 UTC: a full
  refresh that re-reads every raw file and runs every dbt test).

Configuration comes from the environment, like the CLI: HOUSE_EDGE_PUBLISHED_PATH (default
warehouse/house_edge.duckdb), HOUSE_EDGE_RAW_LIQUIDATIONS / _PRICE_BARS / _POSITIONS (a file or
glob; default the committed sample). ``dagster dev`` in the repo root loads this module
(pyproject ``[tool.dagster]``, workspace.yaml); the dbt manifest is prepared here when missing
or older than a project file.
"""


import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    AssetSpec,
    Config,
    ConfigurableResource,
    Definitions,
    MaterializeResult,
    RunConfig,
    ScheduleDefinition,
    asset,
    define_asset_job,
    multi_asset,
    multi_asset_check,
)
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets, get_asset_key_for_model

from house_edge import config, scheduled
from house_edge import publish as publish_mod
from house_edge.config import WAREHOUSE_BUILD_EXCLUDES

PROJECT_DIR = config.package_project_root()
RAW_ENV = {"liquidations": "HOUSE_EDGE_RAW_LIQUIDATIONS", "price_bars": "HOUSE_EDGE_RAW_PRICE_BARS",
           "positions": "HOUSE_EDGE_RAW_POSITIONS"}

# dbt's own DBT_TARGET_PATH is honoured (pytest's workers each have one; see pytests/conftest.py).
dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR,
                         target_path=os.environ.get("DBT_TARGET_PATH", "target"))


def prepare_manifest() -> None:
    """``dbt parse`` with this environment's dbt (dagster-dbt's own preparer looks for ``dbt`` on
    PATH, which a not-activated virtualenv does not have), into a directory of its own; the
    manifest then replaces the target path's in one rename. Two processes loading these definitions
    at once (pytest's workers collecting, a `dagster dev` beside a job) each parse, and a reader
    never sees a manifest half written — dbt writes its artifacts in place."""
    manifest = dbt_project.manifest_path
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=manifest.parent, prefix=".parse-") as work:
        subprocess.run([publish_mod.dbt_executable(), "parse", "--quiet",
                        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
                        "--target-path", work, "--log-path", work],
                       cwd=PROJECT_DIR, check=True)
        os.replace(Path(work) / "manifest.json", manifest)


def manifest_is_stale() -> bool:
    """No manifest yet (a fresh checkout), or a project file newer than it (an edit since)."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    files = [PROJECT_DIR / "dbt_project.yml"] + [
        f for d in ("models", "macros", "seeds", "tests") for f in (PROJECT_DIR / d).rglob("*")]
    return any(f.is_file() and f.stat().st_mtime > built for f in files)


# Under `dagster dev`, re-parse on every load so model edits show up.
if manifest_is_stale() or dbt_project.preparer.using_dagster_dev():
    prepare_manifest()


class HouseEdgeSettings(ConfigurableResource):
    """Where the job reads raw files and publishes (empty: the environment, then defaults)."""

    published_path: str = ""
    raw_liquidations_path: str = ""
    raw_price_bars_path: str = ""
    raw_positions_path: str = ""

    def target(self) -> Path:
        return Path(self.published_path or publish_mod.published_path(PROJECT_DIR)).resolve()

    def state(self) -> Path:
        return scheduled.state_path(self.target())

    def dbt_vars(self) -> dict[str, str]:
        paths = {}
        for table, env in RAW_ENV.items():
            value = getattr(self, f"raw_{table}_path") or os.environ.get(env, "")
            if value:
                paths[table] = value
        return publish_mod.raw_vars(paths)


class DbtRunConfig(Config):
    full_refresh: bool = False


@contextmanager
def _duckdb_path(path: Path) -> Iterator[None]:
    """dbt (a subprocess of DbtCliResource, which copies os.environ) builds into ``path``."""
    old = os.environ.get("HOUSE_EDGE_DUCKDB_PATH")
    os.environ["HOUSE_EDGE_DUCKDB_PATH"] = str(path)
    os.environ["HOUSE_EDGE_BUILD_ROLE"] = "private"  # the job gates and publishes it itself
    try:
        yield
    finally:
        os.environ.pop("HOUSE_EDGE_BUILD_ROLE", None)
        if old is None:
            os.environ.pop("HOUSE_EDGE_DUCKDB_PATH", None)
        else:
            os.environ["HOUSE_EDGE_DUCKDB_PATH"] = old


RAW_SOURCE_KEYS = {table: AssetKey(["simulator", table]) for table in RAW_ENV}


@multi_asset(specs=[AssetSpec(key, description=f"Raw {table} files (dbt source "
                              f"simulator.{table}), pre-flighted; freshness in the metadata.",
                              group_name="raw")
                    for table, key in RAW_SOURCE_KEYS.items()],
             can_subset=False)
def raw_files(context: AssetExecutionContext, house_edge: HouseEdgeSettings):
    """Pre-flight the raw CSVs (a malformed file stops the run here, naming file, line and
    column) and report ``dbt source freshness`` for each raw source."""
    from house_edge.raw_files import check_raw_files

    variables = house_edge.dbt_vars()
    check_raw_files(PROJECT_DIR, variables)
    freshness = {f.source.split(".")[-1]: f
                 for f in scheduled.source_freshness(PROJECT_DIR, house_edge.state(), variables)}
    for table, key in RAW_SOURCE_KEYS.items():
        f = freshness.get(table)
        if f is not None and f.status != "pass":
            context.log.warning(f"source freshness {f.describe()}")
        yield MaterializeResult(asset_key=key, metadata={
            "raw_path": variables.get(publish_mod.RAW_VARS[table], "(default sample)"),
            "freshness_status": f.status if f else "no policy",
            "newest_row_at": (f.max_loaded_at or "") if f else "",
            "age_hours": round(f.age_seconds / 3600, 2) if f and f.age_seconds else -1.0,
        })


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project)
def house_edge_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource,
                          house_edge: HouseEdgeSettings, config: DbtRunConfig):
    """Every dbt model and seed; dbt tests are asset checks. Incremental into the state file."""
    state = house_edge.state()
    state.parent.mkdir(parents=True, exist_ok=True)
    args = ["build", *WAREHOUSE_BUILD_EXCLUDES, "--vars", json.dumps(house_edge.dbt_vars())]
    if config.full_refresh:
        args.append("--full-refresh")
    with _duckdb_path(state):
        yield from dbt.cli(args, context=context).stream()


# Which model each suite of the publish gate validates (the check hangs on that asset).
GATE_SUITE_MODELS = {
    "raw_prices": "stg_simulator__price_bars",
    "positions": "stg_simulator__positions",
    "liquidations": "fct_liquidations",
    "marts": "dim_exchanges",
    "waves": "fct_cascade_waves",
    "revenue": "fct_relief_to_fee_income",
}
GATE_KEYS = {suite: get_asset_key_for_model([house_edge_dbt_assets], model)
             for suite, model in GATE_SUITE_MODELS.items()}


@multi_asset_check(
    specs=[AssetCheckSpec(f"gate_{suite}", asset=key, blocking=True,
                          description=f"Great Expectations publish gate, suite {suite!r}")
           for suite, key in GATE_KEYS.items()],
    can_subset=False,
)
def publish_gate(context, house_edge: HouseEdgeSettings):
    """The pipeline's check and validate steps (house_edge.publish.run_steps) on the state file;
    one result per suite. A suite with a critical failure fails with ERROR severity (blocking)."""
    from house_edge.validate import describe

    run = scheduled.job_run(house_edge.target(), house_edge.dbt_vars())
    try:
        publish_mod.run_steps(run, ("check", "validate"))
    except publish_mod.BuildError:
        if run.report.validation is None:  # the gate could not run at all
            raise
    summary = run.report.validation
    for suite, key in GATE_KEYS.items():
        results = [r for r in summary.results if r.suite == suite]
        critical = [r for r in results if not r.success and r.severity == "critical"]
        warnings = [r for r in results if not r.success and r.severity != "critical"]
        for r in critical + warnings:
            context.log.warning(describe(r))
        yield AssetCheckResult(
            check_name=f"gate_{suite}", asset_key=key, passed=not (critical or warnings),
            severity=AssetCheckSeverity.ERROR if critical else AssetCheckSeverity.WARN,
            metadata={"checks": len(results),
                      "critical_failures": ", ".join(r.name for r in critical) or "none",
                      "warnings": ", ".join(r.name for r in warnings) or "none"})


@asset(deps=list(GATE_KEYS.values()), group_name="publish")
def published_warehouse(context: AssetExecutionContext, house_edge: HouseEdgeSettings
                        ) -> MaterializeResult:
    """The served warehouse: the pipeline's publish and endpoint steps (the state's copy made
    while the gate read it, renamed over the published file in one step)."""
    target = house_edge.target()
    run = scheduled.job_run(target, house_edge.dbt_vars())
    run.report.validation = scheduled.load_gate_summary(run.build_file)
    publish_mod.run_steps(run, ("publish", "endpoint"))
    summary = run.report.validation
    context.log.info(f"published {target}")
    return MaterializeResult(metadata={"path": str(target),
                                       "warnings": len(summary.warnings),
                                       "bytes": target.stat().st_size})


def hourly_dbt_check_keys() -> list[AssetCheckKey]:
    """The asset checks of the dbt tests the hourly selector runs (tag ``hourly``,
    selectors.yml): rows conserved per raw source and the unique keys of incremental models."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    keys = []
    for node in manifest["nodes"].values():
        if (node["resource_type"] == "test" and "hourly" in node["tags"]
                and node.get("attached_node") in manifest["nodes"]):
            model = manifest["nodes"][node["attached_node"]]["name"]
            keys.append(AssetCheckKey(
                get_asset_key_for_model([house_edge_dbt_assets], model), node["name"]))
    return sorted(keys, key=lambda k: k.to_user_string())


GATE_CHECK_KEYS = [AssetCheckKey(key, f"gate_{suite}") for suite, key in GATE_KEYS.items()]
ALL_ASSETS = AssetSelection.all() | AssetSelection.all_asset_checks()
# Hourly, like `house-edge scheduled-run`: every asset (incremental models read only new and
# changed raw files), the hourly dbt tests and the blocking publish gate; every other dbt test
# runs in the daily full refresh.
HOURLY_ASSETS = (AssetSelection.all().without_checks()
                 | AssetSelection.checks(*hourly_dbt_check_keys(), *GATE_CHECK_KEYS))
hourly_job = define_asset_job("house_edge_hourly", selection=HOURLY_ASSETS,
                              description="Incremental: new and changed raw files only; the "
                                          "hourly dbt tests and the publish gate.")
daily_job = define_asset_job(
    "house_edge_daily", selection=ALL_ASSETS,
    description="Full refresh: re-reads every raw file (catches rows later than the lookback).",
    config=RunConfig(ops={"house_edge_dbt_assets": DbtRunConfig(full_refresh=True)}))

defs = Definitions(
    assets=[raw_files, house_edge_dbt_assets, published_warehouse],
    asset_checks=[publish_gate],
    jobs=[hourly_job, daily_job],
    schedules=[
        ScheduleDefinition(job=hourly_job, cron_schedule="5 * * * *",
                           execution_timezone="UTC", name="house_edge_hourly_schedule"),
        ScheduleDefinition(job=daily_job, cron_schedule="30 0 * * *",
                           execution_timezone="UTC", name="house_edge_daily_schedule"),
    ],
    resources={"dbt": DbtCliResource(project_dir=dbt_project, profiles_dir=str(PROJECT_DIR),
                                     dbt_executable=publish_mod.dbt_executable()),
               "house_edge": HouseEdgeSettings()},
)
