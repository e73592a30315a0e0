"""Assumptions are vars: changing one moves the revenue and the relief ratio as expected."""

from __future__ import annotations

import duckdb
import pytest

from house_edge import publish

SELECT = ["build", "--select", "+fct_relief_to_revenue", "+fct_exchange_fee_revenue",
          "--resource-type", "seed", "--resource-type", "model"]
RATIO_SQL = """
select basis, scope, sum(economic_cost_usd) / max(revenue_usd) as ratio, max(revenue_usd)
from marts.fct_relief_to_revenue
where venue = 'binance' and is_exchange_funded and scenario = 'central'
group by 1, 2
"""


def _build(tmp_path, name: str, variables: dict[str, str]) -> dict:
    db = tmp_path / name / "house_edge.duckdb"
    db.parent.mkdir()
    publish.run_dbt(SELECT, publish.project_root(), db, variables, echo=False)
    with duckdb.connect(str(db), read_only=True) as con:
        ratios = {(b, s): (r, rev) for b, s, r, rev in con.execute(RATIO_SQL).fetchall()}
        excess = con.execute("select excess_volume_usd from intermediate.int_venue_excess_volume"
                             " where venue = 'binance'").fetchone()[0]
    return {"ratios": ratios, "excess": excess}


def test_doubling_the_excess_volume_fee_rate_moves_only_the_broad_scope(tmp_path):
    base = _build(tmp_path, "base", {})
    doubled = _build(tmp_path, "doubled", {"revenue_excess_volume_fee_rate_central": "0.0008"})
    assert base["excess"] > 0
    for (basis, scope), (ratio, revenue) in base["ratios"].items():
        new_ratio, new_revenue = doubled["ratios"][(basis, scope)]
        if scope == "broad":
            # revenue grows by exactly the extra fee on the excess volume (0.0008 - 0.0004) ...
            assert new_revenue - revenue == pytest.approx(0.0004 * base["excess"], rel=1e-9)
            # ... and the relief ratio falls in proportion
            assert new_ratio == pytest.approx(ratio * revenue / new_revenue, rel=1e-9)
        else:
            assert (new_ratio, new_revenue) == pytest.approx((ratio, revenue), rel=1e-12)
