{#- Fails with one row per combination of `combination_of_columns` that occurs more than once.
    A dependency-free stand-in for dbt_utils.unique_combination_of_columns (no hub packages offline). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

grouped as (
    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
)

select * from grouped

{% endtest %}
