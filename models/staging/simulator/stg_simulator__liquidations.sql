{{ config(materialized='view') }}
-- One row per forced fill that passed every row check in simulator_liquidations_checked();
-- the rejected rows are in stg_simulator__liquidations_quarantine. A view over the incremental
-- stg_simulator__liquidations_checked: the checks run once per raw row, when its file is loaded.
-- The codes and the fill time are normalised here, on read, by the macros the checks used (the
-- table keeps only the raw spelling).
with

checked as (
    select * from {{ ref('stg_simulator__liquidations_checked') }}
),

passed as (
    select * from checked
    where quarantine_reason is null
),

final as (
    select
        cast(liquidation_id as {{ dbt.type_bigint() }}) as liquidation_id,
        cast(position_id as {{ dbt.type_bigint() }}) as position_id,
        {{ simulator_normalised('venue') }} as venue,
        {{ simulator_normalised('symbol', upper=true) }} as symbol,
        {{ simulator_normalised('side') }} as side,
        {{ simulator_normalised('side') }} = 'long' as is_long,
        cast(quantity as {{ type_double() }}) as quantity,
        cast(price as {{ type_double() }}) as price,
        cast(quantity * price as {{ type_double() }}) as notional_usd,
        {{ simulator_epoch_ms_to_timestamp('liquidated_at_ms') }} as liquidated_at,
        cast(is_shown_in_public_feed as {{ dbt.type_boolean() }}) as is_shown_in_public_feed,
        -- where the row comes from (venue-format staging models say 'venue_file')
        'simulator' as record_source,
        source_file,
        loaded_at
    from passed
)

select * from final
