{#-
    Materialization and strategy of the incremental models, per adapter (README "Running on Spark").
      DuckDB: incremental, delete+insert (by file for the *_checked models, by key downstream),
        with the prune post-hooks (DELETE).
      Spark over plain Parquet (the only table format on machines without Delta/Iceberg jars):
        no MERGE, no DELETE, no delete+insert, and dbt-spark's insert_overwrite replaces whole
        partitions with only the recomputed rows. So every incremental model is a full rebuild
        (materialized table): is_incremental() is false, the prune hooks are no-ops and each run
        gives the same tables a from-scratch DuckDB build gives.
      Spark with Delta/Iceberg on a cluster: not implemented yet. The by-file models replace all
        rows of a re-read file (no row-unique key to MERGE on), so they need a partitioned
        insert_overwrite by source_file or Delta's replaceWhere; until then they rebuild in full too.
    `strategy` is the model's DuckDB strategy.
-#}
{% macro incremental_materialization() -%}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}

{% macro incremental_strategy(strategy) -%}
    {{ return(none if target.type == 'spark' else strategy) }}
{%- endmacro %}
