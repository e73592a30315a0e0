"""Incremental loads: a sequence of hourly runs equals one full refresh, row for row.

The committed sample's raw liquidations are split by hour into files. One warehouse is built
from scratch on the final set of files; another by a sequence of incremental runs: the hours up
to the waterfall; then the later hours, a late fill appended to a file already loaded, and a new
file holding a fill from hours earlier and a row that must be quarantined; the same files again
(nothing new: nothing read); then with that new file deleted. Every incremental table (and the
clean/quarantine views over staging, and the tables rebuilt from them) must then be equal,
EXCEPT ALL both ways, ignoring only the bookkeeping column `loaded_at`.
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb

from house_edge import publish
from pytests.conftest import SAMPLE

# Every model whose rows an incremental run writes, plus the views users read over staging and
# the tables rebuilt from them on every run (the per-minute series, the wave series, the map).
COMPARED = (
    "staging.stg_simulator__liquidations_checked",
    "staging.stg_simulator__liquidations",
    "staging.stg_simulator__liquidations_quarantine",
    "staging.stg_simulator__positions_checked",
    "staging.stg_simulator__positions",
    "staging.stg_simulator__positions_quarantine",
    "marts.fct_liquidations",
    "marts.fct_position_outcomes",
    "intermediate.int_liquidation_fill_terms",
    "intermediate.int_liquidation_fills_revenue",
    "intermediate.int_liquidation_minutes",
    "intermediate.int_liquidation_minutes_by_scope",
    "marts.fct_liquidation_map",
)
# Bookkeeping columns that differ between an incremental sequence and a full refresh by design.
BOOKKEEPING = ("loaded_at",)
SELECT = ["--select", "+fct_liquidations", "+int_liquidation_minutes_by_scope",
          "+stg_simulator__liquidations_quarantine",
          "+fct_position_outcomes", "+stg_simulator__positions_quarantine",
          "+int_liquidation_fills_revenue", "+fct_liquidation_map",
          "--resource-type", "seed", "--resource-type", "model"]
HOUR_MS = 3_600_000
LOOKBACK_MINUTES = 30


def _read_sample() -> tuple[list[str], list[list[str]]]:
    with open(SAMPLE / "raw_liquidations.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]], append: bool = False) -> None:
    with open(path, "a" if append else "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        if not append:
            writer.writerow(header)
        writer.writerows(rows)


def _run(root: Path, db: Path, raw_glob: str, full_refresh: bool = False) -> None:
    variables = {**publish.raw_vars({"price_bars": SAMPLE / "raw_price_bars.csv",
                                     "positions": SAMPLE / "raw_positions.csv"}),
                 "raw_liquidations_path": raw_glob,
                 "incremental_lookback_minutes": LOOKBACK_MINUTES}
    args = ["build", *SELECT] + (["--full-refresh"] if full_refresh else [])
    publish.run_dbt(args, root, db, variables, echo=False)


def _export(db: Path, out: Path) -> None:
    """Each compared table (views resolve inside their own file) to Parquet, minus loaded_at."""
    out.mkdir()
    with duckdb.connect(str(db), read_only=True) as con:
        for table in COMPARED:
            excluded = [c for c in BOOKKEEPING if c in _columns(con, table)]
            query = (f"select * exclude ({', '.join(excluded)}) from {table}"
                     if excluded else f"select * from {table}")
            con.execute(f"copy ({query}) to '{out / table}.parquet' (format parquet)")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.execute(f"describe {table}").fetchall()]


def _differences(full_db: Path, incr_db: Path, tmp: Path) -> dict[str, tuple[int, int, int]]:
    """{table: (rows, rows only in full, rows only in incremental)} for every compared table."""
    _export(full_db, tmp / "full_export")
    _export(incr_db, tmp / "incr_export")
    out = {}
    with duckdb.connect() as con:
        for table in COMPARED:
            full_q = f"select * from '{tmp / 'full_export' / table}.parquet'"
            incr_q = f"select * from '{tmp / 'incr_export' / table}.parquet'"
            n = con.execute(f"select count(*) from ({full_q})").fetchone()[0]
            only_full = con.execute(f"select count(*) from ({full_q} except all {incr_q})"
                                    ).fetchone()[0]
            only_incr = con.execute(f"select count(*) from ({incr_q} except all {full_q})"
                                    ).fetchone()[0]
            out[table] = (n, only_full, only_incr)
    return out


def _files_read_by_last_run(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {f for (f,) in con.execute(
            "select distinct source_file from staging.stg_simulator__liquidations_checked "
            "where loaded_at = (select max(loaded_at) from "
            "staging.stg_simulator__liquidations_checked)").fetchall()}


def test_a_sequence_of_incremental_runs_equals_a_full_refresh_row_for_row(tmp_path):
    root = publish.project_root()
    header, rows = _read_sample()
    ms_col = header.index("liquidated_at_ms")
    id_col = header.index("liquidation_id")
    by_hour: dict[int, list[list[str]]] = defaultdict(list)
    for row in rows:
        by_hour[int(row[ms_col]) // HOUR_MS].append(row)
    hours = sorted(by_hour)
    assert len(hours) >= 10, "the sample should span the event window"
    raw = tmp_path / "raw"
    raw.mkdir()
    raw_glob = str(raw / "liquidations_*.csv")

    def path(hour: int) -> Path:
        return raw / f"liquidations_{hour}.csv"

    def add_hours(selected: list[int]) -> None:
        for hour in selected:
            _write(path(hour), header, by_hour[hour])

    next_id = max(int(r[id_col]) for r in rows) + 1
    waterfall = max(hours, key=lambda h: len(by_hour[h]))
    i = hours.index(waterfall)
    incr_db = tmp_path / "incremental" / "house_edge.duckdb"
    incr_db.parent.mkdir()

    # Run 1: every hour up to the waterfall hour.
    add_hours(hours[:i + 1])
    _run(root, incr_db, raw_glob)
    # Run 2: every later hour, a late fill appended to the waterfall file (its newest fill is
    # within the lookback), and a new file holding a fill from hours earlier plus a zero-price fill.
    add_hours(hours[i + 1:])
    late = list(by_hour[waterfall][-1])
    late[id_col] = str(next_id)
    late[ms_col] = str(int(late[ms_col]) - 60_000)  # a minute before the hour's last fill
    _write(path(waterfall), header, [late], append=True)
    early = list(by_hour[hours[1]][0])
    early[id_col] = str(next_id + 1)
    bad = list(by_hour[hours[1]][1])
    bad[id_col] = str(next_id + 2)
    bad[header.index("price")] = "0.0"
    _write(raw / "liquidations_late_delivery.csv", header, [early, bad])
    _run(root, incr_db, raw_glob)
    # Only the new files and the one appended to (its size and modification time changed) were
    # read; no other earlier hour was.
    assert _files_read_by_last_run(incr_db) == {str(path(h)) for h in hours[i + 1:]} | {
        str(path(waterfall)), str(raw / "liquidations_late_delivery.csv")}
    with duckdb.connect(str(incr_db), read_only=True) as con:
        assert con.execute("select quarantine_reason, count(*) from "
                           "staging.stg_simulator__liquidations_quarantine group by 1"
                           ).fetchall() == [("non_positive_price", 1)]
    # Run 3: the same files again (nothing new): nothing is read, nothing changes.
    before = _files_read_by_last_run(incr_db)
    _run(root, incr_db, raw_glob)
    assert _files_read_by_last_run(incr_db) == before
    # Run 4: the late-delivery file is withdrawn: its rows leave every table.
    (raw / "liquidations_late_delivery.csv").unlink()
    _run(root, incr_db, raw_glob)

    full_db = tmp_path / "full" / "house_edge.duckdb"
    full_db.parent.mkdir()
    _run(root, full_db, raw_glob, full_refresh=True)

    diffs = _differences(full_db, incr_db, tmp_path)
    for table, (n, only_full, only_incr) in diffs.items():
        assert n > 0 or table.endswith("_quarantine"), f"{table} is empty"
        assert (only_full, only_incr) == (0, 0), (
            f"{table}: {only_full} rows only in the full refresh, {only_incr} only in the "
            f"incremental sequence (of {n})")
    with duckdb.connect(str(incr_db), read_only=True) as con:
        n_fct = con.execute("select count(*) from marts.fct_liquidations").fetchone()[0]
        n_quarantined = con.execute("select count(*) from "
                                    "staging.stg_simulator__liquidations_quarantine").fetchone()[0]
        assert con.execute("select count(*) from marts.fct_liquidations where liquidation_id "
                           f"in ({next_id}, {next_id + 1})").fetchone()[0] == 1
        n_liquidated = con.execute("select count(*) from marts.fct_position_outcomes "
                                   "where is_liquidated").fetchone()[0]
    assert n_fct == len(rows) + 1  # every sample fill and the late one
    assert n_quarantined == 0
    assert n_liquidated > 0
    shutil.rmtree(tmp_path, ignore_errors=True)
