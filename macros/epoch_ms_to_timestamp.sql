{#- Epoch milliseconds (UTC) -> timestamp without time zone, holding UTC wall-clock time. -#}
{% macro epoch_ms_to_timestamp(column) -%}
    {{ return(adapter.dispatch('epoch_ms_to_timestamp', 'house_edge')(column)) }}
{%- endmacro %}

{% macro default__epoch_ms_to_timestamp(column) -%}
    {{ dbt.dateadd('millisecond', column, "cast('1970-01-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}

{#- DuckDB-only: epoch_ms(bigint) returns a TIMESTAMP (UTC wall clock), exact to the millisecond. -#}
{% macro duckdb__epoch_ms_to_timestamp(column) -%}
    epoch_ms({{ column }})
{%- endmacro %}

{% macro spark__epoch_ms_to_timestamp(column) -%}
    timestamp_millis({{ column }})
{%- endmacro %}
