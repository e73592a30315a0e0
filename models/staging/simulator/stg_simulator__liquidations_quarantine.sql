{{ config(materialized='view') }}
-- Raw liquidation rows rejected by simulator_liquidations_checked(), unchanged, with the reason.
-- A view over the incremental stg_simulator__liquidations_checked.
with

checked as (
    select * from {{ ref('stg_simulator__liquidations_checked') }}
),

final as (
    select
        liquidation_id,
        position_id,
        venue,
        symbol,
        side,
        quantity,
        price,
        liquidated_at_ms,
        is_shown_in_public_feed,
        source_file,
        quarantine_reason
    from checked
    where quarantine_reason is not null
)

select * from final
