-- One row per venue x symbol x minute OHLCV bar that passed every row check in
-- simulator_price_bars_checked(); the rejected rows are in stg_simulator__price_bars_quarantine.
with

checked as (
    {{ simulator_price_bars_checked(source('simulator', 'price_bars')) }}
),

passed as (
    select * from checked
    where quarantine_reason is null
),

final as (
    select
        venue_normalised as venue,
        symbol_normalised as symbol,
        bar_opened_at,
        cast(open as {{ type_double() }}) as open_price,
        cast(high as {{ type_double() }}) as high_price,
        cast(low as {{ type_double() }}) as low_price,
        cast(close as {{ type_double() }}) as close_price,
        cast(volume_base as {{ type_double() }}) as volume_base,
        cast(volume_usd as {{ type_double() }}) as volume_usd,
        cast(trade_count as {{ dbt.type_bigint() }}) as trade_count
    from passed
)

select * from final
