{{ config(materialized='view') }}
-- One row per open leveraged position that passed every row check in
-- simulator_positions_checked(); the rejected rows are in stg_simulator__positions_quarantine.
-- A view over the incremental stg_simulator__positions_checked: the checks run once per raw
-- row, when its file is loaded.
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
        venue_normalised as venue,
        symbol_normalised as symbol,
        side_normalised as side,
        side_normalised = 'long' as is_long,
        margin_mode_normalised as margin_mode,
        cast(leverage as {{ type_double() }}) as leverage,
        cast(entry_price as {{ type_double() }}) as entry_price,
        cast(quantity as {{ type_double() }}) as quantity,
        cast(quantity * entry_price as {{ type_double() }}) as notional_usd,
        cast(maintenance_margin_rate as {{ type_double() }}) as maintenance_margin_rate,
        cast(maintenance_amount_usd as {{ type_double() }}) as maintenance_amount_usd,
        opened_at,
        source_file,
        loaded_at
    from passed
)

select * from final
