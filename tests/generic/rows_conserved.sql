{#-
    Every raw row lands in exactly one of the clean staging model or its quarantine:
    rows in (the raw source) = rows in `model` + rows in `quarantine_model`.
    Returns one row (a failure) with the three counts when they disagree.
-#}
{% test rows_conserved(model, raw_relation, quarantine_model) %}

with

raw_rows as (
    select count(*) as row_count from {{ raw_relation }}
),

clean_rows as (
    select count(*) as row_count from {{ model }}
),

quarantined_rows as (
    select count(*) as row_count from {{ quarantine_model }}
),

final as (
    select
        raw_rows.row_count as raw_row_count,
        clean_rows.row_count as clean_row_count,
        quarantined_rows.row_count as quarantined_row_count
    from raw_rows
    cross join clean_rows
    cross join quarantined_rows
    where raw_rows.row_count <> clean_rows.row_count + quarantined_rows.row_count
)

select * from final

{% endtest %}
