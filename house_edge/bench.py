"""Benchmark: simulate at a scale, build from external files, compare with DuckDB's floor.

    python -m house_edge.bench --scale 1          # >= 2M liquidations, >= 1M positions
    python -m house_edge.bench --scale 0.005      # the default sample's size

Prints wall time and peak memory (max RSS of the child process) of
  * the simulator,
  * the full build (`dbt build` into a private file + check + atomic publish),
  * the floor: one DuckDB pass over the same raw files (count and sum of every table),
and the build's ratio to the floor. Each step runs in its own process so peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

FLOOR_SQL = """
select
    (select count(*) + sum(quantity * price) from {liquidations}) as l,
    (select count(*) + sum(quantity * entry_price) from {positions}) as p,
    (select count(*) + sum(volume_usd) from {price_bars}) as b
"""


def _reader(path: Path) -> str:
    return f"read_parquet('{path}')" if path.suffix == ".parquet" else \
        f"read_csv('{path}', header = true)"


def _timed_child(code: str) -> tuple[float, float, str]:
    """Run python code in a child; return (seconds, peak RSS MiB, stdout)."""
    wrapper = (
        "import resource, sys, time\n"
        "t0 = time.perf_counter()\n"
        f"{code}\n"
        "sys.stdout.flush()\n"
        "print('__BENCH__', time.perf_counter() - t0,"
        " resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    proc = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    last = [ln for ln in proc.stdout.splitlines() if ln.startswith("__BENCH__")][-1].split()
    seconds, self_mib, child_mib = float(last[1]), float(last[2]), float(last[3])
    return seconds, max(self_mib, child_mib), proc.stdout


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=20251010)
    parser.add_argument("--format", default="parquet", choices=["csv", "parquet"])
    parser.add_argument("--out", default="bench_out", help="work directory (git-ignored)")
    parser.add_argument("--compare-staging-views", action="store_true",
                        help="also time a build with staging materialised as views")
    args = parser.parse_args(argv)

    out = Path(args.out).resolve() / f"scale_{args.scale:g}"
    raw = out / "raw"
    sim_s, sim_mib, _ = _timed_child(
        "from house_edge import simulator as s\n"
        f"r = s.simulate(scale={args.scale}, seed={args.seed})\n"
        f"s.write(r, {str(raw)!r}, fmt={args.format!r})\n"
        "print('rows', len(r.liquidations), len(r.positions), len(r.price_bars))")
    paths = {k: raw / f"raw_{k}.{args.format}" for k in ("price_bars", "positions",
                                                          "liquidations")}
    floor_s, floor_mib, _ = _timed_child(
        "import duckdb\n"
        f"duckdb.sql({FLOOR_SQL.format(**{k: _reader(v) for k, v in paths.items()})!r})"
        ".fetchall()")
    def build(extra_vars: dict[str, str]) -> tuple[float, float, str]:
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
        view_s, view_mib, _ = build({"staging_materialization": "view"})
        steps.append(("build, staging as views", view_s, view_mib))
    build_s, build_mib, stdout = build({})
    rows = json.loads([ln for ln in stdout.splitlines() if ln.startswith("__ROWS__")][-1][9:])
    parts = json.loads([ln for ln in stdout.splitlines()
                        if ln.startswith("__SECONDS__")][-1][12:])
    import duckdb

    counts = duckdb.sql(
        f"select (select count(*) from {_reader(paths['liquidations'])}),"
        f" (select count(*) from {_reader(paths['positions'])}),"
        f" (select count(*) from {_reader(paths['price_bars'])})").fetchone()
    size_mib = sum(p.stat().st_size for p in paths.values()) / 2**20
    print(f"\nHouse Edge benchmark: scale {args.scale:g}, {args.format}, "
          f"{counts[0]:,} liquidations, {counts[1]:,} positions, {counts[2]:,} price bars "
          f"({size_mib:,.0f} MiB raw); published fct_liquidations rows: "
          f"{rows['marts.fct_liquidations']:,}")
    print(f"{'step':<34}{'wall s':>9}{'peak MiB':>10}{'x floor (time)':>16}{'x floor (mem)':>15}")
    for name, s, m in (("simulate + write raw files", sim_s, sim_mib),
                       ("floor: one DuckDB pass over raw", floor_s, floor_mib),
                       *steps,
                       ("build: dbt build + check + publish", build_s, build_mib)):
        print(f"{name:<34}{s:>9.1f}{m:>10.0f}{s / floor_s:>16.1f}{m / floor_mib:>15.1f}")
    print("build steps: " + ", ".join(f"{k} {v:.1f} s ({v / build_s:.0%})"
                                      for k, v in parts.items()))


if __name__ == "__main__":
    main()
