{{ config(materialized='table') }}
-- One row per Binance cross-margin position whose backing equity the account's other (altcoin)
-- legs drained from the shock on (optional simulated file raw_cross_margin_drains; simulator
-- switch cross_margin_drain), that passed the checks of macro simulator_cross_margin_drains_checked;
-- rejected rows are in stg_simulator__cross_margin_drains_quarantine. Empty when the raw
-- directory has no such file. Read by int_liquidation_fills_revenue (the drain comes off the
-- margin left at each later fill).
with

checked as (
    {{ simulator_cross_margin_drains_checked(source('simulator', 'cross_margin_drains')) }}
),

final as (
    select
        cast(position_id as {{ dbt.type_bigint() }}) as position_id,
        lower(trim(venue)) as venue,
        cast(drained_usd as {{ type_double() }}) as drained_usd,
        {{ epoch_ms_to_timestamp('drained_from_ms') }} as drained_from,
        filename as source_file
    from checked
    where quarantine_reason is null
)

select * from final
