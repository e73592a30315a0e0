{#- True when the value is > 0 and finite; NULL when the value is NULL.
    Portable NaN/inf test: engines that sort NaN above +inf (DuckDB, Postgres, Spark) and engines
    with IEEE comparisons (Trino) both fail NaN on one of the two comparisons. -#}
{% macro is_positive_finite(column) -%}
    ({{ column }} > 0 and {{ column }} < cast('Infinity' as {{ type_double() }}))
{%- endmacro %}

{#- True when the value is finite (not NaN, not +/-inf); NULL when the value is NULL. -#}
{% macro is_finite(column) -%}
    ({{ column }} > cast('-Infinity' as {{ type_double() }}) and {{ column }} < cast('Infinity' as {{ type_double() }}))
{%- endmacro %}
