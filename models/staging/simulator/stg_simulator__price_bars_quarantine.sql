-- Raw price-bar rows rejected by simulator_price_bars_checked(), unchanged, with the reason.
with

checked as (
    {{ simulator_price_bars_checked(source('simulator', 'price_bars')) }}
),

final as (
    select
        venue,
        symbol,
        open_time_ms,
        open,
        high,
        low,
        close,
        volume_base,
        volume_usd,
        trade_count,
        filename as source_file,
        quarantine_reason
    from checked
    where quarantine_reason is not null
)

select * from final
