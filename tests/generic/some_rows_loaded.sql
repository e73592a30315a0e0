{#-
    A raw input whose every row is quarantined is a wrong input (a wrong file, format or event
    window), not a dirty one: rows_conserved still holds (0 loaded + N quarantined = N), so this
    test fails it explicitly. Returns one row (a failure) with both counts when `quarantine_model`
    holds rows and `model` (the rows that passed) holds none.
-#}
{% test some_rows_loaded(model, quarantine_model) %}

with

loaded_rows as (
    select count(*) as row_count from {{ model }}
),

quarantined_rows as (
    select count(*) as row_count from {{ quarantine_model }}
),

final as (
    select
        loaded_rows.row_count as loaded_row_count,
        quarantined_rows.row_count as quarantined_row_count
    from loaded_rows
    cross join quarantined_rows
    where loaded_rows.row_count = 0
        and quarantined_rows.row_count > 0
)

select * from final

{% endtest %}
