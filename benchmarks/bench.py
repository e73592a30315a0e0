"""Benchmark: simulate at a scale, build from external files, compare with DuckDB's floor.

    python -m benchmarks.bench --scale 1          # >= 2M liquidations, >= 1M positions
    python -m benchmarks.bench --scale 0.005      # the default sample's size

Prints wall time and peak memory (max RSS of the child process) of
  * the simulator,
  * the full build (`dbt build` into a private file + check + atomic publish),
  * the floor: one DuckDB pass over the same raw files (count and sum of every table),
and the build's ratio to the floor. Each step runs in its own process so peak memory is its own.
Then, from dbt's target/run_results.json, the dbt nodes that took longest (top 15) and the total
time of models, tests and unit tests, each with its ratio to the floor: a slow node shows by
name. The numbers are written to <out>/scale_<s>/bench_summary.json; `--compare` an earlier one
prints this run beside it with the ratio (this / before) per step and per node; `--reuse-raw`
builds from the raw files an earlier run left (no simulation), so two builds compared back to
back read the same files.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

FLOOR_SQL = """
select
    (select count(*) + sum(quantity * price) from {liquidations}) as l,
    (select count(*) + sum(quantity * entry_price) from {positions}) as p,
    (select count(*) + sum(volume_usd) from {price_bars}) as b
"""


def _reader(path: Path) -> str:
    return f"read_parquet('{path}')" if path.suffix == ".parquet" else \
        f"read_csv('{path}', header = true)"


class Timed(NamedTuple):
    """A child's run: wall seconds, peak RSS (MiB), stdout, CPU seconds of the child and its own
    children (user + system: on a machine shared with other jobs, CPU time moves less than wall
    time). Callers read fields by name, so a new field breaks no caller."""
    seconds: float
    peak_mib: float
    stdout: str
    cpu_seconds: float


def _timed_child(code: str) -> Timed:
    """Run python code in a child and time it (Timed)."""
    wrapper = (
        "import resource, sys, time\n"
        "t0 = time.perf_counter()\n"
        f"{code}\n"
        "sys.stdout.flush()\n"
        "s, c = resource.getrusage(resource.RUSAGE_SELF), "
        "resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print('__BENCH__', time.perf_counter() - t0, s.ru_maxrss / 1024, c.ru_maxrss / 1024,"
        " s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime)\n"
    )
    proc = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    last = [ln for ln in proc.stdout.splitlines() if ln.startswith("__BENCH__")][-1].split()
    seconds, self_mib, child_mib, cpu = (float(v) for v in last[1:5])
    return Timed(seconds, max(self_mib, child_mib), proc.stdout, cpu)


TOP_NODES = 15
# Issue 17's targets per scale: (build with the gate, seconds; peak RSS, MiB).
TARGETS = {1.0: (20, 1536), 10.0: (60, 3072)}
# The fund and vault targets are met by calibration on the committed sample's scale only: at
# another scale a miss is a finding to print (print_fund_reconciliation), not a reason to stop
# a speed benchmark (var fund_reconciliation_severity, dbt_project.yml).
OTHER_SCALE_VARS = {"fund_reconciliation_severity": "warn"}


def print_fund_reconciliation(warehouse: Path, scale: float) -> None:
    """The published funds' modelled ranges at this scale, against the published results."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select pool_id, basis, modelled_low_usd, modelled_central_usd, modelled_high_usd,"
            " published_low_usd, published_high_usd, reconciliation_status"
            " from marts.fct_fund_flow_reconciliation where published_metric is not null"
            " order by pool_id, basis").fetchall()
    print(f"\nfunds at scale {scale:g} (calibrated on the committed sample, scale 0.005; $M, "
          "low / central / high vs published):")
    for pool, basis, *usd, status in rows:
        lo, mid, hi, plo, phi = (float(v) for v in usd)
        print(f"  {pool:<26}{basis:<23}{lo / 1e6:>8.1f}{mid / 1e6:>8.1f}{hi / 1e6:>8.1f}"
              f"   published {plo / 1e6:.1f} .. {phi / 1e6:.1f}: {status}")


NodeTimes = tuple[list[tuple[str, str, float]], dict[str, tuple[int, float]]]


def node_times(run_results: dict) -> NodeTimes:
    """From dbt's run_results.json: every node as (type, name, seconds), slowest first, and per
    type (model, test, unit_test, seed...) its node count and summed seconds. Nodes run on
    several threads, so the sums can exceed the wall time of the run."""
    nodes = []
    totals: dict[str, tuple[int, float]] = {}
    for result in run_results.get("results", []):
        kind, name = result["unique_id"].split(".")[0], result["unique_id"].split(".")[-1]
        if kind == "test":  # generic tests end in a hash: keep the readable name
            name = result["unique_id"].split(".")[2]
        seconds = float(result.get("execution_time") or 0.0)
        nodes.append((kind, name, seconds))
        count, total = totals.get(kind, (0, 0.0))
        totals[kind] = (count + 1, total + seconds)
    nodes.sort(key=lambda node: (-node[2], node[1]))
    return nodes, totals


def _print_nodes(summary: dict, floor_s: float, before: dict | None) -> None:
    before_nodes = {f"{k} {n}": s for k, n, s in (before or {}).get("nodes", [])}
    before_totals = (before or {}).get("node_totals", {})
    extra = f"{'before s':>10}{'this/before':>13}" if before else ""
    print(f"\ndbt nodes, slowest {TOP_NODES} of {len(summary['nodes'])} (dbt run "
          f"{summary['dbt_elapsed_s']:.1f} s on {summary['threads']} threads)")
    print(f"{'node':<72}{'s':>8}{'x floor':>9}{extra}")

    def row(label: str, seconds: float, was: float | None) -> None:
        line = f"{label[:71]:<72}{seconds:>8.1f}{seconds / floor_s:>9.0f}"
        if before:
            line += (f"{was:>10.1f}{seconds / was if was else float('nan'):>13.2f}"
                     if was is not None else f"{'-':>10}{'-':>13}")
        print(line)

    for kind, name, seconds in summary["nodes"][:TOP_NODES]:
        row(f"{kind} {name}", seconds, before_nodes.get(f"{kind} {name}"))
    for kind, (count, seconds) in sorted(summary["node_totals"].items(), key=lambda kv: -kv[1][1]):
        if seconds < 0.05:  # operations, exposures: nothing to see
            continue
        was = before_totals.get(kind)
        row(f"total: {count} {kind}s", seconds, was[1] if was else None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=20251010)
    parser.add_argument("--format", default="parquet", choices=["csv", "parquet"])
    parser.add_argument("--out", default="bench_out", help="work directory (git-ignored)")
    parser.add_argument("--compare-staging-views", action="store_true",
                        help="also time a build with staging materialised as views")
    parser.add_argument("--compare", type=Path, default=None,
                        help="an earlier run's bench_summary.json: print this run beside it")
    parser.add_argument("--reuse-raw", action="store_true",
                        help="build from the raw files an earlier run left in <out>/scale_<s>/raw "
                             "(same scale, seed and format) instead of simulating again: runs "
                             "compared back to back then read the same files")
    args = parser.parse_args(argv)

    out = Path(args.out).resolve() / f"scale_{args.scale:g}"
    raw = out / "raw"
    paths = {k: raw / f"raw_{k}.{args.format}" for k in ("price_bars", "positions",
                                                          "liquidations")}
    simulated = not (args.reuse_raw and all(p.is_file() for p in paths.values()))
    if simulated:
        sim_s, sim_mib, _, sim_cpu = _timed_child(
            "from house_edge import simulator as s\n"
            f"w = s.simulate_to({str(raw)!r}, scale={args.scale}, seed={args.seed},"
            f" fmt={args.format!r})\n"  # streamed: rows written in chunks, not held
            "print('rows', w.rows['liquidations'], w.rows['positions'], w.rows['price_bars'])")
    else:
        print(f"reusing the raw files in {raw} (not simulated again)")
    floor_s, floor_mib, _, floor_cpu = _timed_child(
        "import duckdb\n"
        f"duckdb.sql({FLOOR_SQL.format(**{k: _reader(v) for k, v in paths.items()})!r})"
        ".fetchall()")
    def build(extra_vars: dict[str, str]) -> tuple[float, float, str, float]:
        extra_vars = {**OTHER_SCALE_VARS, **extra_vars}
        return _timed_child(
            "from house_edge import publish\n"
            "rep = publish.build_and_publish("
            f"raw_paths={ {k: str(v) for k, v in paths.items()} !r},"
            f" target={str(out / 'warehouse' / 'house_edge.duckdb')!r}, echo=False,"
            f" extra_vars={extra_vars!r})\n"
            "import json; print('__ROWS__', json.dumps(rep.row_counts));"
            " print('__SECONDS__', json.dumps(rep.seconds))")

    steps = []
    if args.compare_staging_views:
        view_s, view_mib, _, view_cpu = build({"staging_materialization": "view"})
        steps.append(("build, staging as views", view_s, view_mib, view_cpu))
    build_s, build_mib, stdout, build_cpu = build({})
    rows = json.loads([ln for ln in stdout.splitlines() if ln.startswith("__ROWS__")][-1][9:])
    parts = json.loads([ln for ln in stdout.splitlines()
                        if ln.startswith("__SECONDS__")][-1][12:])
    import duckdb

    # the build's DuckDB limit (profiles.yml, env HOUSE_EDGE_DUCKDB_MEMORY_LIMIT; DuckDB spills
    # beyond it): printed so runs at different limits are not compared unawares
    memory_limit = os.environ.get("HOUSE_EDGE_DUCKDB_MEMORY_LIMIT", "1GB (profile default)")
    counts = duckdb.sql(
        f"select (select count(*) from {_reader(paths['liquidations'])}),"
        f" (select count(*) from {_reader(paths['positions'])}),"
        f" (select count(*) from {_reader(paths['price_bars'])})").fetchone()
    size_mib = sum(p.stat().st_size for p in paths.values()) / 2**20
    print(f"\nHouse Edge benchmark: scale {args.scale:g}, {args.format}, "
          f"{counts[0]:,} liquidations, {counts[1]:,} positions, {counts[2]:,} price bars "
          f"({size_mib:,.0f} MiB raw); published fct_liquidations rows: "
          f"{rows['marts.fct_liquidations']:,}; DuckDB memory_limit {memory_limit}")
    from house_edge.config import project_root

    all_steps = [
        *((("simulate + write raw files", sim_s, sim_mib, sim_cpu),) if simulated else ()),
        ("floor: one DuckDB pass over raw", floor_s, floor_mib, floor_cpu),
        *steps,
        ("build: dbt build + check + publish", build_s, build_mib, build_cpu)]
    # dbt writes its artifacts to DBT_TARGET_PATH when set (relative: to the project), else
    # to <project>/target
    target_dir = project_root() / os.environ.get("DBT_TARGET_PATH", "target")
    run_results = json.loads((target_dir / "run_results.json").read_text())
    nodes, totals = node_times(run_results)
    summary = {
        "scale": args.scale, "rows": list(counts), "duckdb_memory_limit": memory_limit,
        "steps": [[name, s, m] for name, s, m, _ in all_steps],
        "cpu_s": {name: cpu for name, _, _, cpu in all_steps},
        "build_parts": parts, "dbt_elapsed_s": float(run_results.get("elapsed_time") or 0.0),
        "threads": len({r.get("thread_id") for r in run_results.get("results", [])
                        if r.get("thread_id") != "main"}),  # hooks run on "main"
        "nodes": nodes, "node_totals": totals,
    }
    before = json.loads(args.compare.read_text()) if args.compare else None
    before_steps = {name: (s, m) for name, s, m in (before or {}).get("steps", [])}
    before_cpu = (before or {}).get("cpu_s", {})
    extra = (f"{'before s':>10}{'before MiB':>12}{'time ratio':>12}{'mem ratio':>11}"
             f"{'before cpu':>12}{'cpu ratio':>11}" if before else "")
    print(f"{'step':<34}{'wall s':>9}{'cpu s':>8}{'peak MiB':>10}{'x floor (time)':>16}"
          f"{'x floor (mem)':>15}{extra}")
    for name, s, m in summary["steps"]:
        cpu = summary["cpu_s"][name]
        line = (f"{name:<34}{s:>9.1f}{cpu:>8.1f}{m:>10.0f}{s / floor_s:>16.1f}"
                f"{m / floor_mib:>15.1f}")
        if name in before_steps:
            was_s, was_m = before_steps[name]
            line += f"{was_s:>10.1f}{was_m:>12.0f}{s / was_s:>12.2f}{m / was_m:>11.2f}"
            if name in before_cpu:  # summaries written before CPU time was recorded lack it
                line += f"{before_cpu[name]:>12.1f}{cpu / before_cpu[name]:>11.2f}"
        print(line)
    print("build steps: " + ", ".join(f"{k} {v:.1f} s ({v / build_s:.0%})"
                                      for k, v in parts.items()))
    _print_nodes(summary, floor_s, before)
    target = TARGETS.get(args.scale)
    if target:
        seconds, mib = target
        print(f"\nissue 17 target at scale {args.scale:g}: build with the gate <= {seconds} s and "
              f"peak RSS <= {mib} MiB: this run {build_s:.1f} s "
              f"({'met' if build_s <= seconds else 'MISSED'}), {build_mib:.0f} MiB "
              f"({'met' if build_mib <= mib else 'MISSED'})")
    print_fund_reconciliation(out / "warehouse" / "house_edge.duckdb", args.scale)
    (out / "bench_summary.json").write_text(json.dumps(summary, indent=1))
    print(f"\nsummary: {out / 'bench_summary.json'}")


if __name__ == "__main__":
    main()
