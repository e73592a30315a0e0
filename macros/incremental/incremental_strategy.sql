{#- Materialization and strategy of the incremental models, per adapter (README "Running on
    Spark"): on Spark over plain Parquet (no MERGE, no DELETE) every incremental model is a full
    rebuild, a `table`; `strategy` is the model's DuckDB strategy. -#}
{% macro incremental_materialization() -%}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}

{% macro incremental_strategy(strategy) -%}
    {{ return(none if target.type == 'spark' else strategy) }}
{%- endmacro %}
