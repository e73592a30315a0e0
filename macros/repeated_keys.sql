{#- The values of `key` that more than one row of `relation` carries (nulls excluded): one row
    each, from a hash aggregate of the key column alone, which spills beyond DuckDB's memory
    limit. The row checks of the optional simulator files left-join it to name duplicates. -#}
{% macro repeated_keys(relation, key) -%}
    select {{ key }}
    from {{ relation }}
    where {{ key }} is not null
    group by {{ key }}
    having count(*) > 1
{%- endmacro %}
