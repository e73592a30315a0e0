-- One row per venue x symbol x minute of price bars, with the liquidations of that minute beside
-- the price: the series behind "price and liquidation notional per minute" charts and BI panels.
-- Every bar is kept (left join): minutes without forced fills carry zero liquidations.
with

price_bars as (
    select * from {{ ref('int_price_bars_unioned') }}
),

liquidation_minutes as (
    select * from {{ ref('int_liquidation_minutes') }}
),

bars_with_liquidations as (
    select
        price_bars.venue,
        price_bars.symbol,
        price_bars.bar_opened_at as minute_at,
        price_bars.open_price,
        price_bars.high_price,
        price_bars.low_price,
        price_bars.close_price,
        price_bars.volume_usd,
        coalesce(liquidation_minutes.liquidation_count, 0) as liquidation_count,
        coalesce(liquidation_minutes.notional_usd, 0) as liquidated_notional_usd,
        coalesce(liquidation_minutes.long_notional_usd, 0) as long_liquidated_notional_usd,
        coalesce(liquidation_minutes.public_feed_notional_usd, 0) as public_feed_notional_usd
    from price_bars
    left join liquidation_minutes
        on price_bars.venue = liquidation_minutes.venue
        and price_bars.symbol = liquidation_minutes.symbol
        and price_bars.bar_opened_at = liquidation_minutes.liquidated_minute_at
),

final as (
    select * from bars_with_liquidations
)

select * from final
