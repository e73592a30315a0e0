{{ config(materialized='view') }}
-- Raw position rows rejected by simulator_positions_checked(), unchanged, with the reason.
-- A view over the incremental stg_simulator__positions_checked.
with

checked as (
    select * from {{ ref('stg_simulator__positions_checked') }}
),

final as (
    select
        position_id,
        account_id,
        venue,
        symbol,
        side,
        margin_mode,
        leverage,
        entry_price,
        quantity,
        maintenance_margin_rate,
        maintenance_amount_usd,
        opened_at_ms,
        source_file,
        quarantine_reason
    from checked
    where quarantine_reason is not null
)

select * from final
