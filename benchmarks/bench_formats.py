"""Load throughput of the venue-format loaders (issue 6): rows per second per format.

For each format, writes a file of ``--rows`` records (default 5,000,000) in the venue's own
layout -- the fixtures' shapes with times shifted so that every record is distinct and, for
liquidations, inside the event window -- then builds ONLY that format's staging model with dbt
(read in place by DuckDB, every value parsed and checked, every record loaded or quarantined,
materialised as a table) and reads the model's execution time from dbt's run_results.json
(dbt's own start-up is not counted). Files go to ``bench_out/formats/`` (not in the repo).

    python -m benchmarks.bench_formats [--rows 5000000] [--formats klines-csv,fills-jsonl]
    make bench-formats
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import duckdb

from house_edge import config, publish, venue_files

WINDOW_START_MS = 1760097600000  # 2025-10-10 12:00:00 UTC, var event_window_start
SYMBOLS = "['BTC', 'ETH', 'SOL', 'XRP', 'DOGE']"
PRICES = "[101500.0, 3400.0, 141.3, 2.31, 0.19]"


def _t(step_ms: str) -> str:
    """Event time of record i: inside the 16-hour event window for up to 5.7M records."""
    return f"({WINDOW_START_MS} + i * {step_ms})"


def staging_model(fmt: str) -> str:
    """The format's staging model, from the registry (venue_files.formats(), dbt var
    venue_file_formats): stg_<venue>__<kind>, the rule pytests/test_venue_files.py checks."""
    venue, kind = venue_files.formats()[fmt]
    return f"stg_{venue}__{kind}"


# format -> (file name, records per generated line, SQL selecting `line` from range(n) t(i)):
# the formats benchmarked
def _generators() -> dict[str, tuple[str, int, str]]:
    sym = f"{SYMBOLS}[1 + i % 5]"
    px = f"{PRICES}[1 + i % 5]"
    return {
        "klines-csv": ("BTCUSDT-1m-bench.csv", 1, """
            select concat_ws(',', 1500000000000 + i * 60000, 116605.2 + (i % 97),
                116748.0 + (i % 97), 116581.8 + (i % 97), 116677.1 + (i % 97), 298.537,
                1500000000000 + i * 60000 + 59999, 34828927.5911, 7082, 127.922,
                14924097.1351, 0) as line"""),
        "forceorder-csv": ("bench_forceorder.csv", 1, f"""
            select concat_ws(',', {sym}, case when i % 3 = 0 then 'BUY' else 'SELL' end,
                'LIMIT', 'IOC', 0.5, {px},
                case when i % 2 = 0 then 'None' else cast({px} as varchar) end,
                'FILLED', 0.5, 0.5, {_t('10')}, 0.5 * {px}) as line"""),
        "forceorder-jsonl": ("bench_forceorder.jsonl", 1, f"""
            select json_object('e', 'forceOrder', 'E', {_t('10')} + 5, 'o', json_object(
                's', {sym} || 'USDT', 'S', case when i % 3 = 0 then 'BUY' else 'SELL' end,
                'o', 'LIMIT', 'f', 'IOC', 'q', '0.5', 'p', cast({px} as varchar),
                'ap', cast({px} as varchar), 'X', 'FILLED', 'l', '0.5', 'z', '0.5',
                'T', {_t('10')}))::varchar as line"""),
        "funding-rate-csv": ("S{n}USDT-fundingRate-bench.csv", 1, """
            select concat_ws(',', 1262304000000 + i * 28800000 + i % 7, 8,
                (i % 200 - 100) * 1.0E-6) as line"""),
        "all-liquidation-jsonl": ("bench_bybit.jsonl", 2, f"""
            select json_object('topic', 'allLiquidation.' || {sym} || 'USDT', 'type', 'snapshot',
                'ts', {_t('20')} + 400, 'data', json_array(
                json_object('T', {_t('20')}, 's', {sym} || 'USDT', 'S', 'Buy', 'v', '0.8',
                            'p', cast({px} as varchar)),
                json_object('T', {_t('20')} + 7, 's', {sym} || 'USDT', 'S', 'Sell', 'v', '1.2',
                            'p', cast({px} as varchar))))::varchar as line"""),
        "liquidation-orders-jsonl": ("bench_okx.jsonl", 2, f"""
            select json_object('arg', json_object('channel', 'liquidation-orders',
                'instType', 'SWAP'), 'data', json_array(json_object('instId',
                {sym} || '-USDT-SWAP', 'instType', 'SWAP', 'details', json_array(
                json_object('bkLoss', '0', 'bkPx', cast({px} as varchar), 'posSide', 'long',
                            'side', 'sell', 'sz', '130', 'ts', cast({_t('20')} as varchar)),
                json_object('bkLoss', '0', 'bkPx', cast({px} as varchar), 'posSide', 'net',
                            'side', 'buy', 'sz', '20', 'ts', cast({_t('20')} + 9 as varchar))
                ))))::varchar as line"""),
        "fills-jsonl": ("bench_hyperliquid.jsonl", 1, f"""
            select json_object('coin', {sym}, 'px', cast({px} as varchar), 'sz', '0.75',
                'side', case when i % 3 = 0 then 'B' else 'A' end, 'time', {_t('10')},
                'dir', 'Close Long', 'tid', i, 'liquidation', json_object('markPx', {px},
                'method', 'market'))::varchar as line"""),
        "historical-liquidations-csv": ("bench_hyperliquid_liquidations.csv", 1, """
            select concat_ws(',', strftime(to_timestamp(1672531200 + i * 7), '%Y-%m-%dT%H:%M:%SZ'),
                '0x' || lpad(to_hex(i), 40, '0'), 356.8 + i % 1000, 2.95, 'Cross') as line"""),
    }


def write_file(fmt: str, rows: int, out_dir: Path) -> tuple[list[Path], int]:
    """Write ``rows`` records of ``fmt``; returns the files and the record count."""
    name, per_line, sql = _generators()[fmt]
    lines = -(-rows // per_line)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    if fmt == "funding-rate-csv":  # symbol from the file name: many files, one symbol each
        files, per_file = [], 50_000
        for n in range(-(-lines // per_file)):
            path = out_dir / name.format(n=f"{n:03d}")
            count = min(per_file, lines - n * per_file)
            con.execute(f"copy ({sql} from range({count}) t(i)) to '{path}'"
                        " (format csv, header false, quote '', escape '', delimiter '\t')")
            files.append(path)
        return files, lines
    path = out_dir / name
    con.execute(f"copy ({sql} from range({lines}) t(i)) to '{path}'"
                " (format csv, header false, quote '', escape '', delimiter '\t')")
    return [path], lines * per_line


def time_model(fmt: str, files: list[Path], work: Path) -> float:
    """Build the format's staging model alone; dbt's execution time of the model, seconds."""
    venue = venue_files.formats()[fmt][0]
    path = str(files[0]) if len(files) == 1 else str(files[0].parent / "*-fundingRate-bench.csv")
    variables = {"venue_files": [{"venue": venue, "format": fmt, "path": path}]}
    root = config.project_root()
    db = work / f"{fmt}.duckdb"
    target = work / f"target-{fmt}"
    # the model and the seeds it reads; no tests (only the model's own time is reported)
    cmd = [publish.dbt_executable(), "build", "--select", "symbols", "okx_contract_values",
           staging_model(fmt), "--exclude-resource-type", "test", "unit_test",
           "--project-dir", str(root), "--profiles-dir", str(root),
           "--target-path", str(target), "--vars", json.dumps(variables)]
    env = dict(os.environ, HOUSE_EDGE_DUCKDB_PATH=str(db))
    proc = subprocess.run(cmd, cwd=root, env=env, text=True, capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"dbt run for {fmt} failed:\n{proc.stdout[-3000:]}")
    results = json.loads((target / "run_results.json").read_text())["results"]
    return next(r["execution_time"] for r in results
                if r["unique_id"] == f"model.house_edge.{staging_model(fmt)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--formats", default=",".join(_generators()))
    parser.add_argument("--out", default="bench_out/formats")
    args = parser.parse_args()
    out = Path(args.out)
    results = []
    for fmt in args.formats.split(","):
        fmt_dir = out / fmt
        shutil.rmtree(fmt_dir, ignore_errors=True)
        t0 = time.perf_counter()
        files, records = write_file(fmt, args.rows, fmt_dir)
        written = time.perf_counter() - t0
        seconds = time_model(fmt, files, fmt_dir)
        db = duckdb.connect(str(fmt_dir / f"{fmt}.duckdb"), read_only=True)
        staged, loaded = db.execute(
            f"select count(*), count(*) filter (where quarantine_reason is null)"
            f" from staging.{staging_model(fmt)}").fetchone()
        db.close()
        size = sum(f.stat().st_size for f in files)
        row = {"format": fmt, "records": records, "staged_rows": staged, "loaded_rows": loaded,
               "files": len(files), "megabytes": round(size / 1e6, 1),
               "load_seconds": round(seconds, 2), "rows_per_second": round(records / seconds),
               "write_seconds": round(written, 1)}
        results.append(row)
        print(f"{fmt:<28} {records:>10,} records {row['megabytes']:>8,} MB "
              f"{seconds:>7.1f} s {row['rows_per_second']:>10,} rows/s "
              f"(loaded {loaded:,})", flush=True)
        for f in files:  # multi-GB of scratch: keep only the results
            f.unlink()
        (fmt_dir / f"{fmt}.duckdb").unlink()
        shutil.rmtree(fmt_dir / f"target-{fmt}", ignore_errors=True)
    (out / "results.json").write_text(json.dumps(results, indent=2))
    print(f"wrote {out / 'results.json'}")


if __name__ == "__main__":
    main()
