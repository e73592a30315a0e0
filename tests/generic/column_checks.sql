{#- A model's single-table column checks as one dbt test (issue 17): a data test is a dbt node, and
    dbt's own work per node (~30 ms) cost more than most of these checks, so a model's
    `not_null`, `unique`, `accepted_values` and `unique_combination_of_columns` checks, which
    were one node each (2-3 per model), are one node, each check with the meaning of its
    former test:
      not_null             [columns]: no nulls (one scan for all of them, as not_null_columns)
      unique               [columns]: no non-null value twice (dbt's `unique`: nulls pass)
      accepted_values      {column: [values]}: only those values (strings); nulls pass
      unique_combinations  [[columns], ...]: no combination twice (as unique_combination_of_columns)
    Returns one row per failure: `check_name`, `column_name` (the columns, for a combination),
    the offending `value` (null for not_null) and `n_records`, so a failure names the check and
    the column; the test's name (`column_checks_<model>`) names the model. Tests with a `where`
    or a tag (the hourly runs select them by tag) stay separate tests. -#}
{% test column_checks(model, not_null=[], unique=[], accepted_values={}, unique_combinations=[]) %}

{%- set parts = [] -%}

{%- for column in not_null %}
{%- do parts.append("select 'not_null' as check_name, '" ~ column ~ "' as column_name, cast(null as "
    ~ dbt.type_string() ~ ") as value, cast(nulls_" ~ loop.index ~ " as " ~ dbt.type_bigint()
    ~ ") as n_records from null_counts where nulls_" ~ loop.index ~ " > 0") %}
{%- endfor %}

{%- for column in unique %}
{%- do parts.append("select 'unique' as check_name, '" ~ column ~ "' as column_name, cast("
    ~ column ~ " as " ~ dbt.type_string() ~ ") as value, cast(count(*) as " ~ dbt.type_bigint()
    ~ ") as n_records from " ~ model ~ " where " ~ column ~ " is not null group by " ~ column
    ~ " having count(*) > 1") %}
{%- endfor %}

{%- for column, values in accepted_values.items() %}
{%- set quoted = [] %}
{%- for value in values %}{% do quoted.append("'" ~ (value | replace("'", "''")) ~ "'") %}{% endfor %}
{%- do parts.append("select 'accepted_values' as check_name, '" ~ column ~ "' as column_name, cast("
    ~ column ~ " as " ~ dbt.type_string() ~ ") as value, cast(count(*) as " ~ dbt.type_bigint()
    ~ ") as n_records from " ~ model ~ " where " ~ column ~ " is not null and " ~ column
    ~ " not in (" ~ quoted | join(", ") ~ ") group by " ~ column) %}
{%- endfor %}

{%- for columns in unique_combinations %}
{%- set pieces = [] %}
{%- for column in columns %}
{%- do pieces.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), 'null')") %}
{%- if not loop.last %}{% do pieces.append("', '") %}{% endif %}
{%- endfor %}
{%- do parts.append("select 'unique_combination' as check_name, '" ~ columns | join(", ")
    ~ "' as column_name, " ~ dbt.concat(pieces) ~ " as value, cast(count(*) as "
    ~ dbt.type_bigint() ~ ") as n_records from " ~ model ~ " group by " ~ columns | join(", ")
    ~ " having count(*) > 1") %}
{%- endfor %}

{%- if not parts %}
{{ exceptions.raise_compiler_error("column_checks on " ~ model ~ ": no check given") }}
{%- endif %}

{% if not_null -%}
with null_counts as (
    select
        {%- for column in not_null %}
        sum(case when {{ column }} is null then 1 else 0 end) as nulls_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
)

{% endif -%}
{{ parts | join("\nunion all\n") }}

{% endtest %}
