"""Assumptions are vars: changing one moves its ledger, and only its ledger, as documented."""

from __future__ import annotations

import duckdb
import pytest

from house_edge import publish

SELECT = ["build", "--select", "+fct_relief_to_fee_income", "+fct_insurance_fund_flows",
          "--resource-type", "seed", "--resource-type", "model"]


def _build(tmp_path, name: str, variables: dict[str, str]) -> dict:
    db = tmp_path / name / "house_edge.duckdb"
    db.parent.mkdir()
    publish.run_dbt(SELECT, publish.project_root(), db, variables, echo=False)
    with duckdb.connect(str(db), read_only=True) as con:
        # money is DECIMAL(38,6) (README "Types"): compared as floats
        fees = {(v, b, c): float(x) for v, b, c, x in con.execute(
            "select venue, basis, component, fee_income_usd from marts.fct_exchange_fee_income "
            "where scenario = 'central'").fetchall()}
        flows = {(v, p, b, c): float(x) for v, p, b, c, x in con.execute(
            "select venue, pool_id, basis, component, flow_usd from marts.fct_insurance_fund_flows "
            "where scenario = 'central'").fetchall()}
        ratios = {b: (r, float(i)) for b, r, i in con.execute(
            "select basis, relief_to_fee_income_ratio, fee_income_usd "
            "from marts.fct_relief_to_fee_income where venue = 'binance' "
            "and program_name = 'Together Initiative' and scenario = 'central'").fetchall()}
    return {"fees": fees, "flows": flows, "ratios": ratios}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict:
    """The ledgers at the project's own vars: one build, the baseline of both tests."""
    return _build(tmp_path_factory.mktemp("revenue_vars"), "base", {})


def test_the_fee_tier_mix_moves_only_the_excess_volume_fee_and_the_ratio(base, tmp_path):
    doubled = _build(tmp_path, "doubled", {"revenue_excess_volume_fee_rate_central": "0.0008"})
    # the fund ledger does not see fee rates (sums equal up to DuckDB's parallel summation order)
    assert doubled["flows"] == pytest.approx(base["flows"], rel=1e-12)
    for key, value in base["fees"].items():
        if key[2] == "excess_volume_fee":
            assert value > 0
            assert doubled["fees"][key] == pytest.approx(2 * value, rel=1e-9)
        else:
            assert doubled["fees"][key] == pytest.approx(value, rel=1e-12)
    for basis, (ratio, income) in base["ratios"].items():
        new_ratio, new_income = doubled["ratios"][basis]
        assert new_income > income
        assert new_ratio == pytest.approx(ratio * income / new_income, rel=1e-9)


def test_a_longer_backstop_unwind_moves_only_the_vaults_unwind_pnl(base, tmp_path):
    longer = _build(tmp_path, "longer", {"backstop_unwind_minutes_central": "90"})
    assert longer["fees"] == pytest.approx(base["fees"], rel=1e-12)  # income ignores the vault
    changed = {k for k in base["flows"]
               if longer["flows"][k] != pytest.approx(base["flows"][k], rel=1e-12)}
    assert changed and {k[3] for k in changed} == {"backstop_unwind_pnl"}
    assert {k[0] for k in changed} == {"hyperliquid"}


def test_the_depeg_sale_point_moves_only_binances_fund(base, tmp_path):
    """depeg_collateral_sale_point_central 0 sells the depegged collateral at its published low
    instead of halfway to the path value: more lost below par, less margin left, so Binance's
    pools (the only venue with multi-asset collateral) fall; fee income and the other venues'
    pools do not move."""
    at_low = _build(tmp_path, "at_low", {"depeg_collateral_sale_point_central": "0"})
    assert at_low["fees"] == pytest.approx(base["fees"], rel=1e-12)
    changed = {k for k in base["flows"]
               if at_low["flows"][k] != pytest.approx(base["flows"][k], rel=1e-12)}
    assert changed and {k[0] for k in changed} == {"binance"}
    def total(flows, basis):
        return sum(v for k, v in flows.items() if k[0] == "binance" and k[2] == basis)

    for basis in ("simulated_full_record", "published_scaled"):
        assert total(at_low["flows"], basis) < total(base["flows"], basis) - 1e6, basis
