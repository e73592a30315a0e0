"""`house-edge export`: every mart and reference table of the published warehouse as Parquet or
CSV files, read back equal to the warehouse, with a manifest that matches it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from house_edge import export as export_module
from house_edge.cli import main

SCHEMAS = ("marts", "reference")


def _run_export(warehouse: Path, directory: Path, *args: str):
    return CliRunner().invoke(main, ["export", *args, str(directory)],
                              env={"HOUSE_EDGE_PUBLISHED_PATH": str(warehouse)})


def _attached(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The test's own view of the warehouse: in-memory DuckDB, file attached read-only."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
    return con


def _warehouse_tables(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return set(con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'wh' "
        "and schema_name in ('marts', 'reference') union all "
        "select schema_name, view_name from duckdb_views() where database_name = 'wh' "
        "and schema_name in ('marts', 'reference') and not internal").fetchall())


def _read_back(fmt: str, path: Path, columns: list[dict]) -> str:
    """SQL reading an exported file with the manifest's types (CSV carries none itself)."""
    if fmt == "parquet":
        return f"read_parquet('{path}')"
    spec = ", ".join(f"'{c['name']}': '{c['type']}'" for c in columns)
    return (f"read_csv('{path}', header = true, allow_quoted_nulls = false, "
            f"columns = {{{spec}}})")


def _as_warehouse(source: str, columns: list[dict]) -> str:
    """The file's rows cast back to the warehouse's types, so a lossy type would show up."""
    select = ", ".join(
        f'cast("{c["name"]}" as {c["warehouse_type"]}) as "{c["name"]}"'
        if "warehouse_type" in c else f'"{c["name"]}"' for c in columns)
    return f"(select {select} from {source})"


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_reads_back_equal_to_the_warehouse(published_sample, tmp_path, fmt):
    out = tmp_path / "export"
    result = _run_export(published_sample, out, "--format", fmt)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == fmt
    assert not (out / export_module.TMP_NAME).exists()

    con = _attached(published_sample)
    expected = _warehouse_tables(con)
    assert ("marts", "fct_liquidations") in expected and ("reference", "exchanges") in expected
    by_key = {(t["schema"], t["name"]): t for t in manifest["tables"]}
    assert set(by_key) == expected
    exported_files = {p.relative_to(out).as_posix() for p in out.rglob(f"*.{fmt}")}
    assert exported_files == {t["file"] for t in manifest["tables"]}

    for (schema, name), table in sorted(by_key.items()):
        assert table["file"] == f"{schema}/{name}.{fmt}"
        rel = f'wh."{schema}"."{name}"'
        source = _read_back(fmt, out / table["file"], table["columns"])
        rows = con.execute(f"select count(*) from {rel}").fetchone()[0]
        assert table["rows"] == rows, (schema, name)
        assert con.execute(f"select count(*) from {source}").fetchone()[0] == rows, (schema, name)
        # the same columns with the same types, then the same rows (with duplicates) both ways
        described = [{"name": c, "type": t} for c, t, *_ in
                     con.execute(f"describe {rel}").fetchall()]
        assert [{"name": c["name"], "type": c.get("warehouse_type", c["type"])}
                for c in table["columns"]] == described, (schema, name)
        read_types = [{"name": c, "type": t} for c, t, *_ in
                      con.execute(f"describe select * from {source}").fetchall()]
        assert read_types == [{"name": c["name"], "type": c["type"]}
                              for c in table["columns"]], (schema, name)
        if fmt == "csv":  # CSV is text: every warehouse type is kept as it is
            assert all("warehouse_type" not in c for c in table["columns"])
        source = _as_warehouse(source, table["columns"])
        for left, right in ((rel, source), (source, rel)):
            extra = con.execute(
                f"select count(*) from (select * from {left} except all "
                f"select * from {right})").fetchone()[0]
            assert extra == 0, (schema, name, left)


def test_csv_has_a_header_iso_utc_timestamps_and_no_index(published_sample, tmp_path):
    out = tmp_path / "csv"
    assert _run_export(published_sample, out, "--format", "csv").exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    table = next(t for t in manifest["tables"] if t["name"] == "fct_liquidations")
    header, first = (out / table["file"]).read_text().splitlines()[:2]
    names = [c["name"] for c in table["columns"]]
    assert header.split(",") == names  # a header, no index column before it
    ts_columns = [i for i, c in enumerate(table["columns"]) if c["type"].startswith("TIMESTAMP")]
    assert ts_columns
    values = first.split(",")
    for i in ts_columns:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", values[i]), values[i]


def test_manifest_names_the_build_and_the_export_time(published_sample, tmp_path):
    before = datetime.now(UTC)
    out = tmp_path / "export"
    result = _run_export(published_sample, out)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    con = _attached(published_sample)
    invocation, built_at, published_at = con.execute(
        "select dbt_invocation_id, built_at, published_at from wh.marts.build_info").fetchone()
    assert published_at is not None  # the fixture is a real publish
    build = manifest["build"]
    assert build["dbt_invocation_id"] == invocation
    assert datetime.fromisoformat(build["built_at"]) == built_at.replace(tzinfo=UTC)
    assert datetime.fromisoformat(build["published_at"]) == published_at.replace(tzinfo=UTC)
    exported_at = datetime.fromisoformat(manifest["exported_at"])
    assert before <= exported_at <= datetime.now(UTC)
    assert manifest["format"] == "parquet" and invocation in result.output


def test_export_works_beside_a_locked_reader_in_the_same_process(published_sample, tmp_path):
    """connect_published disables the local file system for every connection to its instance;
    the export attaches the file into its own instance, so it still writes."""
    from house_edge.access import connect_published

    reader = connect_published(published_sample)
    try:
        report = export_module.export(published_sample, tmp_path / "out", fmt="parquet")
        rows = reader.execute("select count(*) from marts.fct_liquidations").fetchone()[0]
    finally:
        reader.close()
    liquidations = next(t for t in report.tables if t["name"] == "fct_liquidations")
    assert liquidations["rows"] == rows > 0


def _one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # a ClickException, not a crash
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_missing_warehouse_is_one_clear_line(tmp_path):
    missing = tmp_path / "nowhere" / "house_edge.duckdb"
    line = _one_error_line(_run_export(missing, tmp_path / "out"))
    assert str(missing) in line and "house-edge build" in line
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_not_duckdb_is_one_clear_line(tmp_path):
    bogus = tmp_path / "house_edge.duckdb"
    bogus.write_text("not a database\n")
    line = _one_error_line(_run_export(bogus, tmp_path / "out"))
    assert "cannot be opened as a DuckDB database" in line
    assert not (tmp_path / "out").exists()


def test_non_empty_directory_is_refused_unless_forced(published_sample, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    line = _one_error_line(_run_export(published_sample, out))
    assert "not empty" in line and "--force" in line
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]

    result = _run_export(published_sample, out, "--force")
    assert result.exit_code == 0, result.output
    assert (out / "manifest.json").is_file() and (out / "notes.txt").read_text() == "mine\n"


def test_a_failed_export_leaves_no_half_written_set(published_sample, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert _run_export(published_sample, out, "--format", "csv").exit_code == 0
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
              if p.is_file()}

    real_options = export_module._copy_options
    calls = {"n": 0}

    def failing_third_copy(fmt: str) -> str:
        calls["n"] += 1
        return "FORMAT no_such_format" if calls["n"] == 3 else real_options(fmt)

    monkeypatch.setattr(export_module, "_copy_options", failing_third_copy)
    line = _one_error_line(_run_export(published_sample, out, "--format", "parquet", "--force"))
    assert "nothing written" in line
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
             if p.is_file()}
    assert after == before  # the earlier CSV set, whole; no .export-tmp, no Parquet file

    calls["n"] = 0
    fresh = tmp_path / "fresh"
    _one_error_line(_run_export(published_sample, fresh))
    assert not fresh.exists()
