"""Run MetricFlow queries in one process, print their rows as JSON (for test_metrics.py).

Reads [{"metrics": [...], "group_by": [...], "where": [...]}, ...] on stdin; queries the dbt
profile's warehouse (HOUSE_EDGE_DUCKDB_PATH) with the semantic manifest named by
HOUSE_EDGE_SEMANTIC_MANIFEST (MetricFlow itself reads `target/semantic_manifest.json` of the
project, whatever DBT_TARGET_PATH says). One process for every query: MetricFlow's set-up (it
loads the dbt project and adapter) costs seconds, a query ~0.2 s.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import pathlib
import sys

from dbt_metricflow.cli.cli_configuration import CLIConfiguration
from dbt_metricflow.cli.dbt_connectors.dbt_config_accessor import dbtArtifacts
from metricflow.engine.metricflow_engine import MetricFlowQueryRequest
from metricflow_semantics.model.dbt_manifest_parser import (
    parse_manifest_from_dbt_generated_manifest,
)


def _plain(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def main() -> None:
    queries = json.load(sys.stdin)
    # MetricFlow reads <project>/target/semantic_manifest.json whatever DBT_TARGET_PATH says;
    # the test parses its own manifest (its warehouse's catalog) and names it here.
    manifest = pathlib.Path(os.environ["HOUSE_EDGE_SEMANTIC_MANIFEST"])
    dbtArtifacts.build_semantic_manifest_from_dbt_project_root = staticmethod(
        lambda project_root: parse_manifest_from_dbt_generated_manifest(
            manifest_json_string=manifest.read_text()))
    cfg = CLIConfiguration()
    cfg.setup(dbt_profiles_path=pathlib.Path.cwd(), dbt_project_path=pathlib.Path.cwd(),
              configure_file_logging=False)
    out = []
    for query in queries:
        result = cfg.mf.query(MetricFlowQueryRequest.create(
            metric_names=query["metrics"], group_by_names=query.get("group_by", []),
            where_constraints=query.get("where") or None))
        table = result.result_df
        out.append([{name: _plain(v) for name, v in zip(table.column_names, row, strict=True)}
                    for row in table.rows])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
