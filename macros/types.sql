{#-
  One type per kind of mart column (README "Types"), the same on every engine:
    money (`*_usd`)               usd_amount()     decimal(38,6)  exact to a millionth of a dollar
    counts, ids, ranks, numbers   count_value()    bigint         never HUGEINT/INTEGER
    ratios, rates, shares, prices, quantities, leverage
                                  measure_value()  double         64-bit float (type_double)
    instants                      utc_timestamp()  timestamp      without time zone, UTC wall clock
  Marts cast at their final select; reference seeds set the same types in `column_types`.
  Dispatched (`house_edge` namespace): default__ renders ANSI/Spark-valid SQL, so a
  Postgres/Spark/Trino target needs no override.
-#}

{% macro type_usd() -%}
    {{ return(adapter.dispatch('type_usd', 'house_edge')()) }}
{%- endmacro %}

{% macro default__type_usd() -%}
    decimal(38, 6)
{%- endmacro %}

{% macro type_count() -%}
    {{ return(adapter.dispatch('type_count', 'house_edge')()) }}
{%- endmacro %}

{% macro default__type_count() -%}
    bigint
{%- endmacro %}

{% macro type_utc_timestamp() -%}
    {{ return(adapter.dispatch('type_utc_timestamp', 'house_edge')()) }}
{%- endmacro %}

{% macro default__type_utc_timestamp() -%}
    timestamp
{%- endmacro %}

{% macro usd_amount(expression) -%}
    cast({{ expression }} as {{ type_usd() }})
{%- endmacro %}

{% macro count_value(expression) -%}
    cast({{ expression }} as {{ type_count() }})
{%- endmacro %}

{% macro measure_value(expression) -%}
    cast({{ expression }} as {{ type_double() }})
{%- endmacro %}

{% macro utc_timestamp(expression) -%}
    cast({{ expression }} as {{ type_utc_timestamp() }})
{%- endmacro %}
