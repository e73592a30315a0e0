{#- The model holds exactly one row; returns the row count as a failure otherwise. -#}
{% test exactly_one_row(model) %}

select row_count
from (select count(*) as row_count from {{ model }}) as counted
where row_count <> 1

{% endtest %}
