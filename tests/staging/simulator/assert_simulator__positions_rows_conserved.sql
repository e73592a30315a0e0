-- Every raw positions row lands in exactly one of the clean model or its quarantine:
-- rows in (raw source) = rows in stg_simulator__positions + rows in stg_simulator__positions_quarantine.
-- Returns one row (a failure) when the counts disagree.
with

raw_rows as (
    select count(*) as row_count from {{ source('simulator', 'positions') }}
),

clean_rows as (
    select count(*) as row_count from {{ ref('stg_simulator__positions') }}
),

quarantined_rows as (
    select count(*) as row_count from {{ ref('stg_simulator__positions_quarantine') }}
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
