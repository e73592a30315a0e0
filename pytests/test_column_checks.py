"""column_checks (tests/generic): a model's not-null, unique, accepted-values and
unique-combination checks as one dbt test; each bad value fails it, and its rows name the check
and the column."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from house_edge import publish
from pytests.conftest import DBT_TARGET, copy_published_sample


@pytest.fixture(scope="module")
def published(published_sample_build, tmp_path_factory):
    return copy_published_sample(published_sample_build, tmp_path_factory.mktemp("warehouse"))


def _rows(db, yml_dir: str, test: str) -> set[tuple]:
    """The failing rows of a dbt test: its compiled SQL (the run's target) on the file."""
    sql = (DBT_TARGET / "compiled" / "house_edge" / yml_dir / f"{test}.sql").read_text()
    with duckdb.connect(str(db), read_only=True) as con:
        return set(con.execute(sql).fetchall())


def test_a_bad_value_fails_column_checks_naming_the_model_the_check_and_the_column(
        published, tmp_path):
    target, _ = published
    copy = tmp_path / "house_edge.duckdb"
    shutil.copy(target, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("update marts.dim_exchanges set exchange_type = 'cefi'"
                    " where exchange_id = 'okx'")  # accepted_values
        con.execute("update marts.dim_exchanges set liquidation_count = null"
                    " where exchange_id = 'bybit'")  # not_null
        con.execute("insert into marts.dim_exchanges select * from marts.dim_exchanges"
                    " where exchange_id = 'binance'")  # unique
        wave_id, venue = con.execute("select wave_id, venue from marts.fct_wave_venues"
                                     " order by wave_venue_id limit 1").fetchone()
        con.execute("insert into marts.fct_wave_venues select * from marts.fct_wave_venues"
                    " where wave_id = ? and venue = ?", [wave_id, venue])  # unique (both)
        con.execute("update marts.build_info set published_at = null")  # a private build
        con.execute("checkpoint")
    tests = ["column_checks_dim_exchanges", "column_checks_fct_wave_venues"]
    with pytest.raises(publish.BuildError) as info:
        publish.run_dbt(["test", "--select", *tests], publish.project_root(), copy, {},
                        echo=False)
    message = str(info.value)
    assert "Failure in test column_checks_dim_exchanges" in message
    assert "Failure in test column_checks_fct_wave_venues" in message
    assert "Got 3 results" in message and "Got 2 results" in message
    assert _rows(copy, "models/marts/_marts__models.yml", tests[0]) == {
        ("accepted_values", "exchange_type", "cefi", 1),
        ("not_null", "liquidation_count", None, 1),
        ("unique", "exchange_id", "binance", 2)}
    assert _rows(copy, "models/marts/waves/_waves__models.yml", tests[1]) == {
        ("unique", "wave_venue_id", f"{wave_id}:{venue}", 2),
        ("unique_combination", "wave_id, venue", f"{wave_id}, {venue}", 2)}
