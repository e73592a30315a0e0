{{ config(materialized='view') }}
-- One row per open leveraged position that passed every row check in
-- simulator_positions_checked(); the rejected rows are in stg_simulator__positions_quarantine.
-- A view over the incremental stg_simulator__positions_checked: the checks run once per raw
-- row, when its file is loaded. The codes and the open time are normalised here, on read, by
-- the macros the checks used (the table keeps only the raw spelling).
with

checked as (
    select * from {{ ref('stg_simulator__positions_checked') }}
),

passed as (
    select * from checked
    where quarantine_reason is null
),

final as (
    select
        cast(position_id as {{ dbt.type_bigint() }}) as position_id,
        cast(account_id as {{ dbt.type_bigint() }}) as account_id,
        {{ simulator_normalised('venue') }} as venue,
        {{ simulator_normalised('symbol', upper=true) }} as symbol,
        {{ simulator_normalised('side') }} as side,
        {{ simulator_normalised('side') }} = 'long' as is_long,
        {{ simulator_normalised('margin_mode') }} as margin_mode,
        cast(leverage as {{ type_double() }}) as leverage,
        cast(entry_price as {{ type_double() }}) as entry_price,
        cast(quantity as {{ type_double() }}) as quantity,
        cast(quantity * entry_price as {{ type_double() }}) as notional_usd,
        cast(maintenance_margin_rate as {{ type_double() }}) as maintenance_margin_rate,
        cast(maintenance_amount_usd as {{ type_double() }}) as maintenance_amount_usd,
        {{ simulator_epoch_ms_to_timestamp('opened_at_ms') }} as opened_at,
        source_file,
        loaded_at
    from passed
)

select * from final
