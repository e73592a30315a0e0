{#-
    dbt's cross-database macros as dbt-spark implements them differ from DuckDB's results in ways
    the marts would show; dbt_project.yml's `dispatch` puts these overrides before dbt-spark's.
      listagg: dbt-spark drops the ORDER BY (a warning only), so fingerprints came out in scan
        order. Here the values are sorted on the order-by expressions first.
      dateadd / datediff below a day: dbt-spark goes through to_unix_timestamp (whole seconds, so
        dateadd drops the milliseconds) and its millisecond datediff is not parenthesised
        (`datediff(...) / 1000.0` divided only the last term). Spark's timestampadd /
        timestampdiff are exact to the microsecond.
-#}

{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if not order_by_clause -%}
        {{ return(dbt_spark.spark__listagg(measure, delimiter_text, order_by_clause, limit_num)) }}
    {%- endif -%}
    {%- set keys = order_by_clause | trim -%}
    {%- if keys[:8] | lower != 'order by' -%}
        {{ exceptions.raise_compiler_error("listagg on Spark: expected 'order by ...', got " ~ order_by_clause) }}
    {%- endif -%}
    {%- set key_list = keys[8:].split(',') | map('trim') | list -%}
    {%- for key in key_list if (' ' in key) -%}
        {{ exceptions.raise_compiler_error("listagg on Spark: only plain ascending order-by expressions are supported, got " ~ key) }}
    {%- endfor -%}
    {%- set collected -%}
        transform(
            array_sort(collect_list(struct({% for key in key_list %}{{ key }} as k{{ loop.index }}, {% endfor %}{{ measure }} as v))),
            x -> x.v)
    {%- endset -%}
    {%- if limit_num -%}{%- set collected = 'slice(' ~ collected ~ ', 1, ' ~ limit_num ~ ')' -%}{%- endif -%}
    array_join({{ collected }}, {{ delimiter_text }})
{%- endmacro %}

{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {#- every unit, not only sub-day ones: dbt-spark's own macro cannot be called from here (its
        namespace is not in scope for a project macro), and timestampadd takes DAY to YEAR too -#}
    timestampadd({{ datepart | upper }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{#- Parenthesised, so `datediff(...) / 1000.0` divides the whole difference. DuckDB counts the
    `datepart` boundaries crossed, Spark whole units elapsed: equal on timestamps aligned to the
    unit, as every call in the project is (minute buckets, millisecond fills). -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    (timestampdiff({{ datepart | upper }}, {{ first_date }}, {{ second_date }}))
{%- endmacro %}

{#- Seeds on Spark (session method): dbt-spark binds each value into the INSERT with Python's
    `%` and wraps it in quotes unescaped, so a value holding an apostrophe (a source's
    "Binance's ...") breaks the statement and an empty cell becomes the text 'None'. Here every
    value is written as a SQL literal: null, a number as written in the CSV, or a string with
    backslashes and quotes escaped (Spark string literals use backslash escapes). -#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    cast({{ spark_seed_literal(value) }} as {{ types[loop.index0] }}){%- if not loop.last %}, {% endif -%}
                {%- endfor -%}){%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{%- endmacro %}

{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
