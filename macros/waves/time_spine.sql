{#- One row per bucket start `bucket_at` in [start_at, end_at) every 1 `grain` (second, minute, hour).
    start_at / end_at are SQL timestamp expressions. Dispatched: the series generator is engine-
    specific (DuckDB range(), Spark sequence()+explode, Trino unnest(sequence())), the callers are not. -#}
{% macro time_spine(start_at, end_at, grain) -%}
    {{ return(adapter.dispatch('time_spine', 'house_edge')(start_at, end_at, grain)) }}
{%- endmacro %}

{% macro default__time_spine(start_at, end_at, grain) -%}
    {{ exceptions.raise_compiler_error("time_spine: no series generator for adapter " ~ adapter.type() ~ "; add <adapter>__time_spine in macros/waves/time_spine.sql") }}
{%- endmacro %}

{#- DuckDB-only: range(timestamp, timestamp, interval) excludes the end, like the contract. -#}
{% macro duckdb__time_spine(start_at, end_at, grain) -%}
    select range as bucket_at
    from range({{ start_at }}, {{ end_at }}, interval 1 {{ grain }})
{%- endmacro %}

{#- Spark: sequence() includes its end, so stop one grain early. -#}
{% macro spark__time_spine(start_at, end_at, grain) -%}
    select explode(sequence({{ start_at }}, {{ end_at }} - interval 1 {{ grain }}, interval 1 {{ grain }})) as bucket_at
{%- endmacro %}

{#- Trino: sequence() includes its end, so stop one grain early. -#}
{% macro trino__time_spine(start_at, end_at, grain) -%}
    select bucket_at
    from unnest(sequence({{ start_at }}, {{ end_at }} - interval '1' {{ grain }}, interval '1' {{ grain }})) as spine (bucket_at)
{%- endmacro %}
