{#- A 64-bit float type. dbt.type_float() renders `float`, which DuckDB reads as 32-bit REAL. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'house_edge')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}

{% macro bigquery__type_double() -%}
    float64
{%- endmacro %}
