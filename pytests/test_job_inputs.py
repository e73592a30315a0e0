"""The scheduled job's record of its inputs (house_edge.job_inputs) and the run it plans from it
(house_edge.scheduled.plan_run): which raw files changed, what an hourly run then selects, and
that every model reading a raw file is reachable from one of the recorded inputs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from house_edge import config, job_inputs, publish, scheduled
from pytests.conftest import ROOT, SAMPLE


def _raw(tmp_path: Path) -> dict[str, str]:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("price_bars", "positions"):
        shutil.copy(SAMPLE / f"raw_{name}.csv", raw / f"raw_{name}.csv")
    shutil.copy(SAMPLE / "raw_liquidations.csv", raw / "liquidations_a.csv")
    return publish.raw_vars({"price_bars": raw / "raw_price_bars.csv",
                             "positions": raw / "raw_positions.csv",
                             "liquidations": str(raw / "liquidations_*.csv")})


def test_fingerprint_sees_a_new_file_and_an_appended_row_and_nothing_else(tmp_path):
    variables = _raw(tmp_path)
    before = job_inputs.fingerprint(ROOT, variables)
    assert len(before["inputs"]["simulator.liquidations"]) == 1
    assert job_inputs.changed_inputs(before, job_inputs.fingerprint(ROOT, variables)) == []

    raw = tmp_path / "raw"
    shutil.copy(raw / "liquidations_a.csv", raw / "liquidations_b.csv")
    after_new_file = job_inputs.fingerprint(ROOT, variables)
    assert job_inputs.changed_inputs(before, after_new_file) == ["simulator.liquidations"]

    with open(raw / "raw_positions.csv", "a") as fh:  # a row appended to a file already read
        fh.write("\n")
    assert job_inputs.changed_inputs(after_new_file, job_inputs.fingerprint(ROOT, variables)) \
        == ["simulator.positions"]
    # the vars are part of the project's hash; the raw paths' files are not
    assert before["project"] == after_new_file["project"]
    assert job_inputs.fingerprint(ROOT, {**variables, "wave_quiet_buckets": 9})["project"] \
        != before["project"]


def test_plan_run_picks_the_kind_of_run_and_its_selection(tmp_path):
    variables = _raw(tmp_path)
    state = tmp_path / "state" / "house_edge.duckdb"
    now = job_inputs.fingerprint(ROOT, variables)

    assert scheduled.plan_run(state, now).kind == "full"  # first run
    state.parent.mkdir()
    state.write_bytes(b"")
    plan = scheduled.plan_run(state, now)  # a state, but no record that its run finished
    assert (plan.kind, plan.full_refresh) == ("full", False)
    assert scheduled.plan_run(state, now, full_refresh=True).full_refresh

    job_inputs.save(state, {**now, "project": "another project"})
    plan = scheduled.plan_run(state, now)
    assert (plan.kind, plan.full_refresh) == ("full", True)

    job_inputs.save(state, now)
    plan = scheduled.plan_run(state, now)
    assert (plan.kind, plan.changed_inputs) == ("hourly", [])
    assert plan.selection[:2] == ["--select", "build_info"] and "source:" not in str(plan)

    stale = json.loads(json.dumps(now))
    stale["inputs"]["simulator.liquidations"] = []
    job_inputs.save(state, stale)
    plan = scheduled.plan_run(state, now)
    assert (plan.kind, plan.changed_inputs) == ("hourly", ["simulator.liquidations"])
    assert "source:simulator.liquidations+,resource_type:model" in plan.selection
    assert "source:simulator.positions+,resource_type:model" not in plan.selection
    assert {"test_name:unique", "config.materialized:view"} <= set(plan.selection)
    # venue files changed: views are recreated (int_liquidations_unioned stamps venue rows)
    assert "config.materialized:view" not in job_inputs.selection_args(["venue_files"])

    job_inputs.discard(state)
    assert scheduled.plan_run(state, now).kind == "full"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("dbt_target")
    subprocess.run([publish.dbt_executable(), "parse", "--target-path", str(target),
                    "--project-dir", str(ROOT), "--profiles-dir", str(ROOT)], cwd=ROOT,
                   check=True, capture_output=True,
                   env=dict(os.environ, HOUSE_EDGE_DUCKDB_PATH=str(target / "x.duckdb")))
    return json.loads((target / "manifest.json").read_text())


# Models that read neither a raw file nor another model: only seeds (reference data, which
# changes with the project hash) or nothing at all.
READS_ONLY_SEEDS = {"int_published_fund_flows", "int_venue_excess_volume", "fct_relief_programs"}


GENERATED_FROM_VARS_ONLY = {"metricflow_time_spine"}


def test_every_model_reading_a_file_is_reachable_from_a_recorded_input(manifest):
    """A model that reads a raw file without being a descendant of a recorded input would never
    be rebuilt by an hourly run: the job would publish it stale. And every recorded input names
    a dbt source or tag (an input named after a var that is no source would select nothing)."""
    selections = {job_inputs.selector(name) for name in job_inputs.input_paths(
        config.project_vars(ROOT))}
    nodes = manifest["nodes"]
    models = {k: v for k, v in nodes.items() if v["resource_type"] == "model"}
    roots = {v["name"]: v for v in models.values()
             if not any(d.startswith("model.") for d in v["depends_on"]["nodes"])}
    assert "stg_simulator__liquidations_checked" in roots
    sources = {"source:" + s.removeprefix("source.house_edge.")
               for s in manifest["sources"]}
    for name, node in roots.items():
        reads = [d for d in node["depends_on"]["nodes"] if d.startswith("source.")]
        covered = (
            any(f"source:{d.removeprefix('source.house_edge.')}+" in selections for d in reads)
            or any(f"tag:{t}+" in selections for t in node["tags"])
            or name in job_inputs.EVERY_RUN
            # reads no data at all (MetricFlow's time spine: generated from the event-window
            # vars, so only a project change, i.e. a full run, changes it); named, so a model
            # reading a file without a source still fails here
            or (name in GENERATED_FROM_VARS_ONLY and not node["depends_on"]["nodes"])
            or (name in READS_ONLY_SEEDS and all(d.startswith("seed.")
                                                 for d in node["depends_on"]["nodes"])))
        assert covered, (f"{name} reads from no input the scheduled job records "
                         f"(house_edge/job_inputs.py input_paths); depends on "
                         f"{node['depends_on']['nodes']}")
    tags = {f"tag:{t}+" for n in nodes.values() for t in n.get("tags", [])}
    assert selections <= {f"{s}+" for s in sources} | tags

    def recorded(source: str) -> bool:
        """Selected by its own recorded input, or (venue files: recorded as one input, the tag
        of their models) every model reading it carries a recorded tag."""
        uid = "source.house_edge." + source.removeprefix("source:")
        readers = [m for m in models.values() if uid in m["depends_on"]["nodes"]]
        return f"{source}+" in selections or bool(readers) and all(
            any(f"tag:{t}+" in selections for t in m["tags"]) for m in readers)

    assert [s for s in sorted(sources) if not recorded(s)] == []


def test_views_stamped_at_creation_are_recreated_when_their_input_changes(manifest):
    """A view whose SQL holds a value of the run that created it (incremental_loaded_at,
    run_started_at, invocation_id) is stale when left out; hourly runs recreate views only
    downstream of TAGGED_INPUTS."""
    models = {v["unique_id"]: v for v in manifest["nodes"].values()
              if v["resource_type"] == "model"}
    parents = {k: set(v["depends_on"]["nodes"]) for k, v in models.items()}

    def upstream_roots(uid: str, seen=None) -> set[str]:
        seen = seen if seen is not None else set()
        found = set()
        for p in parents.get(uid, ()):
            if p in seen:
                continue
            seen.add(p)
            if p in models:
                found |= upstream_roots(p, seen) or {p}
        return found or {uid}

    stamped = [v for v in models.values() if v["config"]["materialized"] == "view"
               and any(s in v["raw_code"] for s in ("incremental_loaded_at", "run_started_at",
                                                     "invocation_id"))]
    assert any(v["name"] == "int_liquidations_unioned" for v in stamped)
    recreating_tags = job_inputs.TAGGED_INPUTS
    for view in stamped:
        roots = upstream_roots(view["unique_id"])
        assert any(set(models[r]["tags"]) & recreating_tags for r in roots if r in models), (
            f"{view['name']} embeds a run-time value but no input upstream of it recreates "
            f"views in hourly runs")
