"""One type per kind of column in every mart and reference seed (README "Types";
macros/types.sql): money DECIMAL(38,6), counts and other whole numbers BIGINT, other measures
DOUBLE, instants TIMESTAMP (UTC), plus DATE, BOOLEAN and VARCHAR. Checked on the built file, so
it holds whatever SQL produced the column (a sum of BIGINTs is HUGEINT in DuckDB: cast it)."""

from __future__ import annotations

import duckdb

CONVENTION = {
    "money": "DECIMAL(38,6)",
    "count": "BIGINT",
    "measure": "DOUBLE",
    "instant": "TIMESTAMP",
    "day": "DATE",
    "flag": "BOOLEAN",
    "text": "VARCHAR",
}


def kind_of(name: str, data_type: str) -> str:
    """The kind a column is, from its name first (`*_usd`, `*_at`, `*_on`, `is_*`/`has_*`),
    else from its type family."""
    if name.endswith("_usd"):
        return "money"
    if name.endswith("_at"):
        return "instant"
    if name.endswith("_on"):
        return "day"
    if name.startswith(("is_", "has_")):
        return "flag"
    if data_type in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                     "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}:
        return "count"
    if data_type in {"FLOAT", "DOUBLE"} or data_type.startswith("DECIMAL"):
        return "measure"
    if data_type == "VARCHAR":
        return "text"
    return data_type  # anything else (LIST, STRUCT, INTERVAL, TIMESTAMPTZ...) is off-convention


def columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    return con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_schema in ('marts', 'reference') order by all").fetchall()


def off_convention(rows: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str, str]]:
    return [(s, t, c, ty) for s, t, c, ty in rows if CONVENTION.get(kind_of(c, ty)) != ty]


def test_every_mart_and_reference_column_follows_the_type_convention(published_sample):
    con = duckdb.connect(str(published_sample), read_only=True)
    try:
        rows = columns(con)
    finally:
        con.close()
    assert len(rows) > 300  # every mart and seed column was seen
    assert {ty for *_, ty in rows} == set(CONVENTION.values())
    assert off_convention(rows) == []


def test_the_convention_check_catches_a_hugeint_count_and_a_double_amount():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.t as select sum(1::bigint) as liquidation_count, "
                "1.5::double as fee_income_usd, 2::bigint as wave_number, "
                "1.5::decimal(38,6) as flow_usd, 0.5::double as long_share")
    assert {(t, c, ty) for _, t, c, ty in off_convention(columns(con))} == {
        ("t", "liquidation_count", "HUGEINT"), ("t", "fee_income_usd", "DOUBLE")}
