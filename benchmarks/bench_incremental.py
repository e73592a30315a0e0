"""Benchmark: append one more hour of liquidations incrementally vs a full rebuild.

    python -m benchmarks.bench_incremental --scale 1   # >= 2M liquidations; make bench-incremental

Simulates at the scale (Parquet), splits the raw liquidations into one file per hour, and runs
the scheduled job (house_edge.scheduled) the way the hourly schedule would:

1. the job on every hour but the last (a first, full run: the state before the new hour; not
   timed against),
2. the last hour's file arrives: the job again, an hourly run (only the models downstream of
   the raw liquidations, incremental: only the new file read; the hourly tests, the source
   freshness check, the GX gate, publish; house_edge/job_inputs.py),
3. a full rebuild of the same files (``--full-refresh``: every model, every data and unit test,
   the freshness check, the GX gate, publish), the reference, i.e. what each run would cost
   without incremental loads.

Each of 2 and 3 is the whole job, timed in its own process. 2 runs ``--repeat`` times (3) from
the same state (the state file and the job's input record restored each time) and the median
is reported: an hourly run is short, and one run on a shared 2-core box varies by +-2 s. Prints
wall times, the ratio incremental / full and the job's steps.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

from benchmarks.bench import OTHER_SCALE_VARS, _timed_child, print_fund_reconciliation
from house_edge import job_inputs, scheduled, simulator

HOUR_MS = 3_600_000


def _split_by_hour(liquidations: Path, out_dir: Path) -> list[Path]:
    import duckdb

    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    hours = [h for (h,) in con.execute(
        f"select distinct liquidated_at_ms // {HOUR_MS} as h from read_parquet('{liquidations}') "
        "order by 1").fetchall()]
    files = []
    for hour in hours:
        path = out_dir / f"liquidations_{hour}.parquet"
        con.execute(f"copy (select * from read_parquet('{liquidations}') where "
                    f"liquidated_at_ms // {HOUR_MS} = {hour} order by liquidation_id) "
                    f"to '{path}' (format parquet)")
        files.append(path)
    return files


STAMP_NAME = "simulation.json"


def simulation_stamp(scale: float, seed: int) -> dict[str, object]:
    """What the raw files of a run depend on: the scale, the seed and the contents of the
    simulator and its calibration (a raw directory left by an earlier calibration is stale)."""
    package = Path(simulator.__file__).parent
    digest = hashlib.sha256()
    for name in ("simulator.py", "calibration.json"):
        digest.update((package / name).read_bytes())
    return {"scale": scale, "seed": seed, "simulator_sha256": digest.hexdigest()}


def raw_files_are_current(raw: Path, stamp: dict[str, object]) -> bool:
    """Whether ``raw`` holds a simulation made with ``stamp`` (else it is simulated again)."""
    path = raw / STAMP_NAME
    return (raw / "raw_liquidations.parquet").exists() and path.exists() \
        and json.loads(path.read_text()) == stamp


def _job(raw: dict[str, str], target: Path, full_refresh: bool) -> tuple[float, dict]:
    run = _timed_child(
        "from house_edge import scheduled\n"
        f"rep = scheduled.run_job(raw_paths={raw!r}, target={str(target)!r}, "
        f"full_refresh={full_refresh!r}, echo=False, extra_vars={OTHER_SCALE_VARS!r})\n"
        "import json; print('__SECONDS__', json.dumps(rep.seconds))")
    parts = json.loads([ln for ln in run.stdout.splitlines()
                        if ln.startswith("__SECONDS__")][-1][12:])
    return run.seconds, parts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=20251010)
    parser.add_argument("--out", default="bench_out", help="work directory (git-ignored)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="hourly runs from the same state; the median is reported")
    args = parser.parse_args(argv)

    out = Path(args.out).resolve() / f"incremental_scale_{args.scale:g}"
    raw = out / "raw"
    stamp = simulation_stamp(args.scale, args.seed)
    if not raw_files_are_current(raw, stamp):
        shutil.rmtree(raw, ignore_errors=True)
        sim_s = _timed_child(
            "from house_edge import simulator as s\n"
            f"s.simulate_to({str(raw)!r}, scale={args.scale}, seed={args.seed}, fmt='parquet')"
        ).seconds
        (raw / STAMP_NAME).write_text(json.dumps(stamp, indent=1))
        print(f"simulated scale {args.scale:g} in {sim_s:.0f} s")
    hourly = out / "hourly"
    shutil.rmtree(hourly, ignore_errors=True)
    files = _split_by_hour(raw / "raw_liquidations.parquet", hourly / "all")
    live = hourly / "live"
    live.mkdir()
    for f in files[:-1]:
        shutil.copy(f, live / f.name)
    # The ADL fills are read beside the liquidations (publish.raw_vars): without them Hyperliquid's
    # vault would keep the ADL'd share of its takeovers.
    if (raw / "raw_adl_fills.parquet").exists():  # simulator switch hyperliquid_adl
        shutil.copy(raw / "raw_adl_fills.parquet", live / "raw_adl_fills.parquet")
    paths = {"price_bars": str(raw / "raw_price_bars.parquet"),
             "positions": str(raw / "raw_positions.parquet"),
             "liquidations": str(live / "liquidations_*.parquet")}
    target = out / "warehouse" / "house_edge.duckdb"
    shutil.rmtree(target.parent, ignore_errors=True)

    import duckdb

    def rows(path: str) -> int:
        return duckdb.sql(f"select count(*) from read_parquet('{path}')").fetchone()[0]

    n_before = rows(paths["liquidations"])
    first_s, _ = _job(paths, target, full_refresh=False)
    print(f"initial job on {len(files) - 1} hourly files ({n_before:,} liquidations): "
          f"{first_s:.1f} s")

    # The state before the new hour, to run the same hourly job from it several times.
    state = scheduled.state_path(target)
    kept = [state, state.parent / job_inputs.FINGERPRINT_NAME]
    for path in kept:
        shutil.copy(path, path.with_name(path.name + ".before"))
    shutil.copy(files[-1], live / files[-1].name)  # the new hour arrives
    n_new, n_all = rows(str(files[-1])), rows(paths["liquidations"])
    hourly = []
    for _ in range(args.repeat):
        for path in kept:
            shutil.copy(path.with_name(path.name + ".before"), path)
        hourly.append(_job(paths, target, full_refresh=False))
    for path in kept:
        path.with_name(path.name + ".before").unlink()
    incr_job_s, incr_parts = sorted(hourly, key=lambda r: r[0])[len(hourly) // 2]  # the median
    full_job_s, full_parts = _job(paths, target, full_refresh=True)

    def fmt(parts: dict) -> str:
        return ", ".join(f"{k} {v:.1f}" for k, v in parts.items())

    print(f"\nHouse Edge incremental benchmark: scale {args.scale:g}, {n_all:,} liquidations in "
          f"{len(files)} hourly Parquet files; the appended hour holds {n_new:,}")
    print(f"{'what':<52}{'incremental s':>14}{'full s':>9}{'ratio':>8}")
    print(f"{'scheduled job (dbt build + tests, freshness, gate, publish)':<52}"
          f"{incr_job_s:>14.1f}{full_job_s:>9.1f}{incr_job_s / full_job_s:>8.1%}")
    print(f"hourly job, {len(hourly)} runs from the same state (median above): "
          + ", ".join(f"{s:.1f}" for s, _ in hourly) + " s")
    print(f"job steps, incremental: {fmt(incr_parts)}")
    print(f"job steps, full:        {fmt(full_parts)}")
    print_fund_reconciliation(target, args.scale)


if __name__ == "__main__":
    main()
