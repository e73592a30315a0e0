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

{#- Reading a relation whose money is DECIMAL (a mart, a reference seed) for more arithmetic: every
    DECIMAL column is selected as DOUBLE, the type the models compute in. Without it the engines
    part ways: DuckDB divides two DECIMALs into a DOUBLE, Spark into a DECIMAL cut to 6 places
    (a share of 0.14034233... became 0.140342, and a ratio times a published figure drifted by
    hundreds of dollars). Columns are read from the built relation (at parse time: select *). -#}
{% macro select_money_as_double(relation, alias=none) -%}
    {%- set columns = adapter.get_columns_in_relation(relation) if execute else [] -%}
    select
    {%- if columns | length == 0 %} *
    {%- else %}
        {%- for column in columns %}
        {% if 'decimal' in (column.data_type | lower) -%}
        cast({{ adapter.quote(column.name) }} as {{ type_double() }}) as {{ adapter.quote(column.name) }}
        {%- else -%}
        {{ adapter.quote(column.name) }}
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    {%- endif %}
    from {{ relation }}{{ ' as ' ~ alias if alias }}
{%- endmacro %}
