{{ config(materialized='table') }}
-- One row per Hyperliquid liquidation fill of which a share was closed by auto-deleveraging
-- (ADL) against profitable opposite positions (optional simulated file raw_adl_fills; simulator
-- switch hyperliquid_adl), that passed the checks of macro simulator_adl_fills_checked; rejected
-- rows are in stg_simulator__adl_fills_quarantine. Empty when the raw directory has no such
-- file. Read by int_adl_fills (the vault does not take over what ADL closed).
with

checked as (
    {{ simulator_adl_fills_checked(source('simulator', 'adl_fills')) }}
),

final as (
    select
        cast(liquidation_id as {{ dbt.type_bigint() }}) as liquidation_id,
        lower(trim(venue)) as venue,
        upper(trim(symbol)) as symbol,
        lower(trim(side)) = 'long' as is_long,
        cast(quantity as {{ type_double() }}) as quantity,
        cast(price as {{ type_double() }}) as price,
        cast(quantity * price as {{ type_double() }}) as notional_usd,
        {{ epoch_ms_to_timestamp('adl_at_ms') }} as adl_at,
        filename as source_file
    from checked
    where quarantine_reason is null
)

select * from final
