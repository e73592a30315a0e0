"""Bad raw rows are quarantined with their reason; nothing is silently dropped."""

from __future__ import annotations

import duckdb
import pandas as pd

from house_edge import publish
from pytests.conftest import SAMPLE


def test_bad_rows_land_in_quarantine_with_their_reason_and_counts_add_up(tmp_path):
    liq = pd.read_csv(SAMPLE / "raw_liquidations.csv")
    n_in = len(liq)
    bad = liq.copy()
    bad.loc[0, "price"] = 0.0  # non-positive price
    bad.loc[1, "venue"] = "deribit"  # unknown venue
    bad.loc[2, "side"] = "sideways"  # not long/short
    bad.loc[3, "liquidated_at_ms"] = 1_700_000_000_000  # before the event window
    bad = pd.concat([bad, bad.iloc[[10]]], ignore_index=True)  # a duplicated fill
    path = tmp_path / "raw_liquidations.csv"
    bad.to_csv(path, index=False)
    db = tmp_path / "house_edge.duckdb"
    variables = publish.raw_vars({"liquidations": path})
    publish.run_dbt(["build", "--select", "+stg_simulator__liquidations",
                     "+stg_simulator__liquidations_quarantine",
                     "--resource-type", "seed", "--resource-type", "model"],
                    publish.project_root(), db, variables, echo=False)
    with duckdb.connect(str(db), read_only=True) as con:
        loaded = con.execute("select count(*) from staging.stg_simulator__liquidations"
                             ).fetchone()[0]
        reasons = dict(con.execute(
            "select quarantine_reason, count(*) from"
            " staging.stg_simulator__liquidations_quarantine group by 1").fetchall())
        files = con.execute("select distinct source_file from"
                            " staging.stg_simulator__liquidations_quarantine").fetchall()
    assert reasons == {"non_positive_price": 1, "unknown_venue": 1, "invalid_side": 1,
                       "outside_event_window": 1, "duplicate_key": 1}
    assert loaded + sum(reasons.values()) == n_in + 1
    assert files == [(str(path),)]  # each rejected row says which file it came from


def _loaded_and_reasons(db, model: str) -> tuple[int, dict[str, int]]:
    """Rows loaded in staging.<model>, and the quarantined rows of <model>_quarantine by reason."""
    with duckdb.connect(str(db), read_only=True) as con:
        loaded = con.execute(f"select count(*) from staging.{model}").fetchone()[0]
        reasons = dict(con.execute(
            f"select quarantine_reason, count(*) from staging.{model}_quarantine"
            " group by 1").fetchall())
    return loaded, reasons


def test_bad_adl_rows_land_in_quarantine_with_their_reason_and_counts_add_up(tmp_path):
    """raw_adl_fills (simulator switch hyperliquid_adl), read from beside raw_liquidations: an
    ADL row must refer to a loaded fill of its venue and side and close at most its quantity."""
    import shutil

    liq_path = tmp_path / "raw_liquidations.csv"
    shutil.copy(SAMPLE / "raw_liquidations.csv", liq_path)
    adl = pd.read_csv(SAMPLE / "raw_adl_fills.csv")
    n_in = len(adl)
    bad = adl.copy()
    bad.loc[0, "quantity"] = 0.0  # non-positive quantity
    bad.loc[1, "liquidation_id"] = 99_999_999  # no such fill
    bad.loc[2, "side"] = "short" if bad.loc[2, "side"] == "long" else "long"  # other side
    bad.loc[3, "quantity"] *= 10  # more than the fill
    bad.loc[4, "side"] = "sideways"  # not long/short
    bad = pd.concat([bad, bad.iloc[[10]]], ignore_index=True)  # the same fill twice
    bad.to_csv(tmp_path / "raw_adl_fills.csv", index=False)
    db = tmp_path / "house_edge.duckdb"
    variables = publish.raw_vars({"liquidations": liq_path})
    assert variables["raw_adl_fills_path"] == str((tmp_path / "raw_adl_fills.csv").resolve())
    publish.run_dbt(["build", "--select", "+stg_simulator__adl_fills",
                     "+stg_simulator__adl_fills_quarantine",
                     "--resource-type", "seed", "--resource-type", "model"],
                    publish.project_root(), db, variables, echo=False)
    loaded, reasons = _loaded_and_reasons(db, "stg_simulator__adl_fills")
    assert reasons == {"non_positive_quantity": 1, "unknown_liquidation_fill": 2,
                       "exceeds_fill_quantity": 1, "invalid_side": 1,
                       "duplicate_liquidation_id": 2}
    assert loaded + sum(reasons.values()) == n_in + 1


def test_bad_drain_and_collateral_rows_land_in_quarantine_with_their_reason_and_counts_add_up(
        tmp_path):
    """The optional files read from beside raw_positions, in one build:
    * raw_cross_margin_drains (simulator switch cross_margin_drain): a drain must refer to a
      loaded cross-margin position of its venue, be positive with a start time, and appear once
      per position;
    * raw_account_collateral (switch collateral_depeg): a positive amount of an asset that
      depegged on the account's venue (seed collateral_depegs), an account once."""
    import shutil

    pos_path = tmp_path / "raw_positions.csv"
    shutil.copy(SAMPLE / "raw_positions.csv", pos_path)
    positions = pd.read_csv(pos_path)
    drains = pd.read_csv(SAMPLE / "raw_cross_margin_drains.csv")
    n_in = len(drains)
    bad = drains.copy()
    bad.loc[0, "drained_usd"] = -5.0  # negative drain
    bad.loc[1, "position_id"] = 99_999_999  # no such position
    bad.loc[2, "venue"] = "bybit"  # the position is Binance's
    isolated = (positions["margin_mode"] == "isolated") & (positions["venue"] == "binance")
    bad.loc[3, "position_id"] = int(positions.loc[isolated, "position_id"].iloc[0])
    bad.loc[4, "drained_from_ms"] = None  # no start
    bad = pd.concat([bad, bad.iloc[[10]]], ignore_index=True)  # the same position twice
    bad["drained_from_ms"] = bad["drained_from_ms"].astype("Int64")
    bad.to_csv(tmp_path / "raw_cross_margin_drains.csv", index=False)
    collateral = pd.read_csv(SAMPLE / "raw_account_collateral.csv")
    n_collateral_in = len(collateral)
    bad_collateral = collateral.copy()
    bad_collateral.loc[0, "collateral_usd"] = 0.0  # not positive
    bad_collateral.loc[1, "collateral_asset"] = "DOGE"  # not a depegged asset
    bad_collateral.loc[2, "account_id"] = None  # no account
    bad_collateral = pd.concat([bad_collateral, bad_collateral.iloc[[10]]],
                               ignore_index=True)  # the same account twice
    bad_collateral["account_id"] = bad_collateral["account_id"].astype("Int64")
    bad_collateral.to_csv(tmp_path / "raw_account_collateral.csv", index=False)
    db = tmp_path / "house_edge.duckdb"
    variables = publish.raw_vars({"positions": pos_path})
    assert variables["raw_cross_margin_drains_path"] == str(
        (tmp_path / "raw_cross_margin_drains.csv").resolve())
    assert variables[publish.OPTIONAL_RAW_VAR] == str(
        (tmp_path / "raw_account_collateral.csv").resolve())
    publish.run_dbt(["build", "--select", "+stg_simulator__cross_margin_drains",
                     "+stg_simulator__cross_margin_drains_quarantine",
                     "+stg_simulator__account_collateral",
                     "+stg_simulator__account_collateral_quarantine",
                     "--resource-type", "seed", "--resource-type", "model"],
                    publish.project_root(), db, variables, echo=False)
    loaded, reasons = _loaded_and_reasons(db, "stg_simulator__cross_margin_drains")
    assert reasons == {"non_positive_drain": 1, "unknown_position": 2, "not_cross_margin": 1,
                       "missing_drain_time": 1, "duplicate_position_id": 2}
    assert loaded + sum(reasons.values()) == n_in + 1
    loaded, reasons = _loaded_and_reasons(db, "stg_simulator__account_collateral")
    assert reasons == {"non_positive_collateral": 1, "unknown_collateral_asset": 1,
                       "missing_account_id": 1, "duplicate_account_id": 2}
    assert loaded + sum(reasons.values()) == n_collateral_in + 1

