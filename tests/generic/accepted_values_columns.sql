{#- Every listed column of the model holds only its accepted values (nulls pass, as in dbt's
    `accepted_values`): one test for all of a model's columns, where a column-level
    `accepted_values` is a dbt node per column (issue 17: the dbt overhead of a node is more than
    its check). `values_by_column` maps a column to its accepted values (strings). Returns one row
    per column and value not accepted, with its count, so a failure names the column. -#}
{% test accepted_values_columns(model, values_by_column) %}

{% for column, values in values_by_column.items() -%}
select
    '{{ column }}' as column_name,
    cast({{ column }} as {{ dbt.type_string() }}) as value,
    count(*) as n_records
from {{ model }}
where {{ column }} is not null
    and {{ column }} not in ({% for value in values %}'{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor %})
group by {{ column }}
{% if not loop.last %}union all
{% endif -%}
{%- endfor %}

{% endtest %}
