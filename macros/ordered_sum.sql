{#- Sum of a DOUBLE expression in a fixed order, so the result is the same bits whatever order
    the rows arrive in (a floating-point sum depends on its order; DuckDB sums in parallel).
    An incremental run and a full refresh then give equal buckets, not nearly equal ones.
    Dispatched: DuckDB (and Postgres) accept ORDER BY inside an aggregate; elsewhere a plain sum. -#}
{% macro ordered_sum(expression, order_by) -%}
    {{ return(adapter.dispatch('ordered_sum', 'house_edge')(expression, order_by)) }}
{%- endmacro %}

{% macro default__ordered_sum(expression, order_by) -%}
    sum({{ expression }})
{%- endmacro %}

{% macro duckdb__ordered_sum(expression, order_by) -%}
    sum({{ expression }} order by {{ order_by }})
{%- endmacro %}
