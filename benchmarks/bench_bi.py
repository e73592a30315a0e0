"""Latency of the headline mart queries, through the Postgres endpoint and directly (issue 7).

    python -m benchmarks.bench_bi                                   # the published warehouse
    python -m benchmarks.bench_bi --warehouse bench_out/scale_1/warehouse/house_edge.duckdb

Starts a private endpoint (`house_edge.serve`, a throwaway data directory, a free loopback port),
loads the warehouse into it (timed: the refresh every publish pays), then runs each query
``--iterations`` times after ``--warmup`` runs, one client at a time, on loopback:

* direct: one DuckDB connection, read-only, external access disabled (as the README recommends);
* endpoint: one psycopg connection as the read-only role.

Each figure is the wall time from sending the query to holding every row in Python (fetchall);
p50 and p95 over the iterations, in milliseconds. Bounded: iterations x queries x 2 requests.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from house_edge import serve

# The headline and dashboard queries (README "Query it"; models/exposures.yml).
QUERIES = {
    "venue totals (dim_exchanges)": "select * from marts.dim_exchanges order by exchange_id",
    "relief / fee income (central)":
        "select venue, program_name, basis, relief_to_fee_income_ratio "
        "from marts.fct_relief_to_fee_income where scenario = 'central' "
        "order by venue, program_name, basis",
    "fee income by venue":
        "select venue, basis, scenario, sum(fee_income_usd) as fee_income_usd "
        "from marts.fct_exchange_fee_income group by 1, 2, 3 order by 1, 2, 3",
    "cascade waves": "select * from marts.fct_cascade_waves order by 1",
    "peak minute (public feed)":
        "select liquidated_minute_at, sum(notional_usd) as notional_usd "
        "from marts.fct_liquidations where is_shown_in_public_feed "
        "group by 1 order by 2 desc limit 1",
    "timeline: venue x minute":
        "select venue, liquidated_minute_at, count(*) as fills, sum(notional_usd) as notional "
        "from marts.fct_liquidations group by 1, 2 order by 1, 2",
    "long share by venue":
        "select venue, sum(case when is_long then notional_usd else 0 end) / sum(notional_usd) "
        "from marts.fct_liquidations group by 1 order by 1",
}


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _time(run, iterations: int, warmup: int) -> tuple[float, float, int]:
    for _ in range(warmup):
        run()
    samples, rows = [], 0
    for _ in range(iterations):
        t0 = time.perf_counter()
        rows = len(run())
        samples.append(time.perf_counter() - t0)
    return (*_percentiles(samples), rows)


def main(argv: list[str] | None = None) -> None:
    import psycopg

    from house_edge.config import published_path

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=None,
                        help="published DuckDB file (default: the project's published file)")
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args(argv)
    path = (args.warehouse or published_path()).resolve()
    if not path.exists():
        raise SystemExit(f"{path} does not exist: run `make build` (or `make bench SCALE=1`)")

    data_root = Path(tempfile.mkdtemp(prefix="house_edge_bench_bi_"))
    data_root.chmod(0o755)  # the postgres OS user must reach it
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cfg = serve.ServerConfig(data_dir=data_root / "pg", port=port)
    try:
        t0 = time.perf_counter()
        serve.start(cfg)
        start_s = time.perf_counter() - t0
        refresh = serve.refresh(cfg, path)
        with duckdb.connect(str(path), read_only=True,
                            config={"enable_external_access": False}) as duck, \
                psycopg.connect(cfg.reader_dsn(), autocommit=True) as pg:
            n = duck.execute("select count(*) from marts.fct_liquidations").fetchone()[0]
            print(f"\nHouse Edge BI latency: {path} ({n:,} liquidations), "
                  f"{args.iterations} runs per query after {args.warmup} warm-up, loopback")
            print(f"endpoint: start {start_s:.1f} s; refresh (copy {len(refresh.tables)} tables, "
                  f"{sum(refresh.tables.values()):,} rows, swap) {refresh.seconds:.1f} s")
            print(f"{'query':<32}{'rows':>7}{'direct p50':>12}{'p95':>8}"
                  f"{'endpoint p50':>14}{'p95':>8}   (ms)")
            for name, sql in QUERIES.items():
                d50, d95, rows = _time(lambda s=sql: duck.execute(s).fetchall(),
                                       args.iterations, args.warmup)
                e50, e95, pg_rows = _time(lambda s=sql: pg.execute(s).fetchall(),
                                          args.iterations, args.warmup)
                assert rows == pg_rows, f"{name}: {rows} rows direct, {pg_rows} via endpoint"
                print(f"{name:<32}{rows:>7}{d50:>12.1f}{d95:>8.1f}{e50:>14.1f}{e95:>8.1f}")
    finally:
        serve.stop(cfg)
        shutil.rmtree(data_root, ignore_errors=True)


if __name__ == "__main__":
    main()
