"""The same project on Apache Spark gives the same marts as on DuckDB (issue 18).

Builds the committed sample twice with `dbt build` (every seed, model, data test and unit test):
on DuckDB (target dev) and on Spark (target spark: dbt-spark's session method, local[2]), then
compares every model of the `marts` schema: column names and order, column types (engine names
mapped: DuckDB VARCHAR = string, DOUBLE = double, ...), row counts, and every row after sorting,
non-float values exactly, floats within FLOAT_RTOL relative and money within DECIMAL_ATOL (a
millionth of a dollar). Needs the `spark` extra and Java
17 (`make test-spark` installs both); skipped with the reason otherwise. Several minutes on two
cores: the Spark build alone is ~2-3 min on the sample.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytest.importorskip("pyspark", reason="the spark extra is not installed (make test-spark)")
pytest.importorskip("dbt.adapters.spark", reason="dbt-spark is not installed (make test-spark)")
if shutil.which("java") is None:
    pytest.skip("no java on PATH: Spark needs Java 17 (make test-spark installs it)",
                allow_module_level=True)

import duckdb  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

# Floats: equal within 1e-12 relative (|a - b| <= 1e-12 * max(|a|, |b|); zero only equals zero).
# Sums over many fills are added in a different order on each engine (and by DuckDB's parallel
# threads from one run to the next): measured on the sample, the largest difference is ~1e-15.
FLOAT_RTOL = 1e-12
# Money (DECIMAL(38,6)): equal to the millionth of a dollar, or within FLOAT_RTOL relative. Each
# engine computes in DOUBLE and casts at the mart's final select; two doubles that differ in
# their last bits (the sum order above) can round to neighbouring millionths, and a sum of such
# amounts can differ by a few of them.
DECIMAL_ATOL = Decimal("0.000001")

# Columns that legitimately differ between two builds, whatever the engine.
IGNORED_COLUMNS = {
    "loaded_at": "the run's start time, stamped by each build",
    "built_at": "the run's start time (build_info)",
    "dbt_invocation_id": "a new id per dbt invocation (build_info)",
    # The fingerprint of the price bars fct_position_outcomes was built from: a hash of doubles
    # cast to text, which each engine formats its own way (1e-07 vs 1.0E-7). Used only to
    # compare a build with the next build on the same engine.
    "price_path_version": "engine-specific fingerprint (hash of doubles formatted as text)",
}

DUCKDB_TO_SPARK = {
    "VARCHAR": {"string"},
    "DOUBLE": {"double"},
    "BIGINT": {"bigint"},
    "INTEGER": {"int"},
    "BOOLEAN": {"boolean"},
    "DATE": {"date"},
    "TIMESTAMP": {"timestamp", "timestamp_ntz"},
}


def spark_type_for(duckdb_type: str) -> set[str]:
    if duckdb_type.startswith("DECIMAL("):
        return {duckdb_type.lower().replace(" ", "")}
    return DUCKDB_TO_SPARK.get(duckdb_type, set())


def run_dbt(args: list[str], env: dict[str, str], log: Path) -> None:
    dbt = str(Path(sys.executable).with_name("dbt"))
    cmd = [dbt, *args, "--profiles-dir", ".", "--project-dir", "."]
    with log.open("w") as out:
        result = subprocess.run(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        tail = log.read_text().splitlines()[-60:]
        pytest.fail(f"{' '.join(cmd[1:3])} failed (log {log}):\n" + "\n".join(tail))


EXPORT_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import pyarrow.parquet as pq
    from pyspark.sql import SparkSession
    spark_dir, out_dir, tables = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    spark = (SparkSession.builder.enableHiveSupport()
             .master("local[2]")
             .config("spark.driver.memory", "1g")
             .config("spark.sql.warehouse.dir", spark_dir + "/spark-warehouse")
             .config("spark.driver.extraJavaOptions", "-Dderby.system.home=" + spark_dir + "/derby")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false")
             .getOrCreate())
    types = {}
    for table in tables:
        df = spark.table("marts." + table)
        types[table] = [[f.name, f.dataType.simpleString()] for f in df.schema.fields]
        pq.write_table(df.toArrow(), out_dir + "/" + table + ".parquet")
    with open(out_dir + "/types.json", "w") as f:
        json.dump(types, f)
    spark.stop()
    """
)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("spark_equality")
    env = {**os.environ, "HOUSE_EDGE_PROJECT_ROOT": str(REPO)}
    env.pop("HOUSE_EDGE_BUILD_ROLE", None)
    duck_path = tmp / "duckdb" / "house_edge.duckdb"
    duck_path.parent.mkdir()
    run_dbt(["build", "--target", "dev", "--target-path", str(tmp / "duck_target"),
             "--log-path", str(tmp / "duck_logs")],
            {**env, "HOUSE_EDGE_DUCKDB_PATH": str(duck_path)}, tmp / "duckdb_build.log")
    spark_dir = tmp / "spark"
    spark_dir.mkdir()
    run_dbt(["build", "--target", "spark", "--target-path", str(tmp / "spark_target"),
             "--log-path", str(tmp / "spark_logs")],
            {**env, "HOUSE_EDGE_SPARK_DIR": str(spark_dir)}, tmp / "spark_build.log")

    manifest = json.loads((tmp / "duck_target" / "manifest.json").read_text())
    marts = sorted(
        node["alias"] for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
        and node["config"].get("enabled", True)
    )
    export_dir = tmp / "spark_export"
    export_dir.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", EXPORT_SCRIPT, str(spark_dir), str(export_dir), json.dumps(marts)],
        cwd=tmp, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    spark_types = json.loads((export_dir / "types.json").read_text())
    return {"duck_path": duck_path, "export_dir": export_dir, "marts": marts,
            "spark_types": spark_types}


def normalise_source_file(value):
    """DuckDB keeps a raw path as given (relative to the repo root), Spark as a file: URI."""
    if value is None:
        return None
    text = str(value).removeprefix("file://").removeprefix("file:")
    root = str(REPO) + "/"
    return text.removeprefix(root)


def is_float_type(duckdb_type: str) -> bool:
    return duckdb_type in ("DOUBLE", "FLOAT", "REAL")


def decimals_equal(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if not (isinstance(a, Decimal) and isinstance(b, Decimal)):
        return False  # a type difference, reported by the type check too
    return (abs(a - b) <= DECIMAL_ATOL
            or abs(a - b) <= Decimal(FLOAT_RTOL) * max(abs(a), abs(b)))


def floats_equal(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if not (isinstance(a, float) and isinstance(b, float)):
        return False  # a type difference, reported by the type check too
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= FLOAT_RTOL * max(abs(a), abs(b))


def sort_key(row, float_positions):
    """Sort by every non-float value first (None first), then by floats rounded to 9 digits."""
    key = []
    for i, value in enumerate(row):
        if i in float_positions:
            continue
        key.append((value is not None, str(value) if not isinstance(value, (int, float, Decimal))
                    else float(value)))
    for i in float_positions:
        value = row[i]
        key.append((value is not None, float(f"{value:.9g}") if value is not None else 0.0))
    return key


def prepare(rows, kept, names, float_positions):
    """The compared columns of each row, paths normalised, sorted (see sort_key)."""
    out = []
    for row in rows:
        values = [row[i] for i in kept]
        for j, name in enumerate(names):
            if name == "source_file":
                values[j] = normalise_source_file(values[j])
            elif getattr(values[j], "tzinfo", None) is not None:
                values[j] = values[j].replace(tzinfo=None)
        out.append(values)
    return sorted(out, key=lambda row: sort_key(row, float_positions))


def test_every_mart_is_compared(builds):
    # The set compared is read from the manifest: guard against comparing nothing.
    assert len(builds["marts"]) >= 15, builds["marts"]
    assert "fct_liquidations" in builds["marts"] and "fct_cascade_waves" in builds["marts"]


def test_spark_marts_equal_duckdb_marts(builds):
    duck = duckdb.connect(str(builds["duck_path"]), read_only=True)
    problems: list[str] = []
    compared_rows = 0
    largest_rel_diff = 0.0
    for table in builds["marts"]:
        described = duck.execute(f"describe marts.{table}").fetchall()
        duck_columns = [(name, col_type) for name, col_type, *_ in described]
        spark_columns = builds["spark_types"][table]
        if [c for c, _ in duck_columns] != [c for c, _ in spark_columns]:
            problems.append(f"{table}: columns differ: duckdb {[c for c, _ in duck_columns]} "
                            f"vs spark {[c for c, _ in spark_columns]}")
            continue
        for (name, duck_type), (_, spark_type) in zip(duck_columns, spark_columns, strict=True):
            if spark_type not in spark_type_for(duck_type):
                problems.append(f"{table}.{name}: type {duck_type} on DuckDB, "
                                f"{spark_type} on Spark")

        kept = [i for i, (name, _) in enumerate(duck_columns) if name not in IGNORED_COLUMNS]
        names = [duck_columns[i][0] for i in kept]
        float_positions = {j for j, i in enumerate(kept) if is_float_type(duck_columns[i][1])}

        duck_rows = prepare(duck.execute(f"select * from marts.{table}").fetchall(),
                            kept, names, float_positions)
        spark_table = pq.read_table(builds["export_dir"] / f"{table}.parquet")
        spark_rows = prepare([tuple(r.values()) for r in spark_table.to_pylist()],
                             kept, names, float_positions)
        if len(duck_rows) != len(spark_rows):
            problems.append(f"{table}: {len(duck_rows)} rows on DuckDB, {len(spark_rows)} on Spark")
            continue
        mismatches = 0
        for duck_row, spark_row in zip(duck_rows, spark_rows, strict=True):
            for j, name in enumerate(names):
                a, b = duck_row[j], spark_row[j]
                if j in float_positions:
                    same = floats_equal(a, b)
                elif isinstance(a, Decimal) or isinstance(b, Decimal):
                    same = decimals_equal(a, b)
                else:
                    same = a == b
                if same and j in float_positions and a not in (None, 0.0) and math.isfinite(a):
                    largest_rel_diff = max(largest_rel_diff, abs(a - b) / max(abs(a), abs(b)))
                if not same:
                    mismatches += 1
                    if mismatches <= 3:
                        problems.append(f"{table}.{name}: duckdb {a!r} != spark {b!r} "
                                        f"(row {dict(zip(names, duck_row, strict=True))})")
        if mismatches > 3:
            problems.append(f"{table}: {mismatches} values differ in all")
        compared_rows += len(duck_rows)
    print(f"compared {len(builds['marts'])} marts, {compared_rows} rows; largest relative "
          f"difference of a float: {largest_rel_diff:.3g} (tolerance {FLOAT_RTOL:g})")
    assert not problems, "\n".join(problems)
    assert compared_rows > 0
