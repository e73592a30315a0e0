{#- Every listed column of the model is never null: one test and one scan of the model for all
    of them (a column-level `not_null` is a dbt node and a scan per column: 245 of them cost
    more dbt overhead than the checks themselves). Returns one row per column that has nulls,
    with its count, so a failure names the column. -#}
{% test not_null_columns(model, column_names) %}

with null_counts as (
    select
        {%- for column in column_names %}
        sum(case when {{ column }} is null then 1 else 0 end) as nulls_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
)

{% for column in column_names -%}
select '{{ column }}' as column_name, nulls_{{ loop.index }} as null_rows
from null_counts
where nulls_{{ loop.index }} > 0
{% if not loop.last %}union all
{% endif -%}
{%- endfor %}

{% endtest %}
