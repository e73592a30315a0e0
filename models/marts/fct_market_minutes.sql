-- One row per venue x symbol x minute of price bars, with the liquidations of that minute beside
-- the price: the series behind "price and liquidation notional per minute" charts and BI panels.
-- Every bar is kept (left join): minutes without forced fills carry zero liquidations (a bar
-- outside the event window has no row in int_liquidation_minutes, hence the coalesce).
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

-- typed: one type per kind of column (macros/types.sql, README "Types")
select
    venue,
    symbol,
    {{ utc_timestamp('minute_at') }} as minute_at,
    {{ measure_value('open_price') }} as open_price,
    {{ measure_value('high_price') }} as high_price,
    {{ measure_value('low_price') }} as low_price,
    {{ measure_value('close_price') }} as close_price,
    {{ usd_amount('volume_usd') }} as volume_usd,
    {{ count_value('liquidation_count') }} as liquidation_count,
    {{ usd_amount('liquidated_notional_usd') }} as liquidated_notional_usd,
    {{ usd_amount('long_liquidated_notional_usd') }} as long_liquidated_notional_usd,
    {{ usd_amount('public_feed_notional_usd') }} as public_feed_notional_usd
from final
