-- The CoinGlass-style liquidation map: for the positions open at the shock, how much notional
-- would be liquidated if the price reached each price bucket, per venue x symbol x side.
-- Buckets are `liquidation_map_bucket_width_rate` of the reference price wide (the last close
-- before `liquidation_map_as_of` on that venue x symbol) with edges aligned on the reference
-- price, so no bucket straddles it. Only buckets holding at least one liquidation price appear.
-- A table, rebuilt on every run that reads new fills or positions (~4 s at 2.1M fills).
{{ config(materialized='table') }}
{%- set bucket_width_rate = var('liquidation_map_bucket_width_rate') %}
{%- set as_of_sql = "cast('" ~ var('liquidation_map_as_of') ~ "' as " ~ dbt.type_timestamp() ~ ")" %}
with

positions as (
    select * from {{ ref('int_positions_with_liquidation_prices') }}
),

liquidations as (
    select * from {{ ref('stg_simulator__liquidations') }}
),

price_bars as (
    select * from {{ ref('stg_simulator__price_bars') }}
),

as_of as (
    select {{ as_of_sql }} as as_of_at
),

-- positions with a fill before the shock (only those fills are read: the cascade comes after)
liquidated_before_as_of as (
    select distinct liquidations.position_id
    from liquidations
    cross join as_of
    where liquidations.liquidated_at < as_of.as_of_at
),

-- open at the shock: opened at or before it and not (partly) liquidated before it; a position
-- whose liquidation price is not positive can never be liquidated and is left out
open_positions as (
    select positions.*
    from positions
    cross join as_of
    left join liquidated_before_as_of
        on positions.position_id = liquidated_before_as_of.position_id
    where positions.opened_at <= as_of.as_of_at
        and liquidated_before_as_of.position_id is null
        and positions.liquidation_price > 0
),

bars_before_as_of as (
    select
        price_bars.venue,
        price_bars.symbol,
        price_bars.bar_opened_at,
        price_bars.close_price,
        row_number() over (
            partition by price_bars.venue, price_bars.symbol
            order by price_bars.bar_opened_at desc
        ) as recency_rank
    from price_bars
    cross join as_of
    where price_bars.bar_opened_at < as_of.as_of_at
),

reference_prices as (
    select
        venue,
        symbol,
        close_price as reference_price
    from bars_before_as_of
    where recency_rank = 1
),

bucketed as (
    select
        open_positions.position_id,
        open_positions.venue,
        open_positions.symbol,
        open_positions.side,
        reference_prices.reference_price,
        cast(floor(
            (open_positions.liquidation_price - reference_prices.reference_price)
            / (reference_prices.reference_price * {{ bucket_width_rate }})
        ) as {{ dbt.type_int() }}) as bucket_index,
        open_positions.notional_usd
    from open_positions
    inner join reference_prices
        on open_positions.venue = reference_prices.venue
        and open_positions.symbol = reference_prices.symbol
),

per_bucket as (
    select
        venue,
        symbol,
        side,
        bucket_index,
        reference_price,
        count(*) as position_count,
        -- exact (exact_sum, each notional to 1e-12 USD): the same positions sum to the same
        -- bits however they were loaded
        {{ exact_sum('notional_usd', 12) }} as notional_usd
    from bucketed
    group by 1, 2, 3, 4, 5
),

accumulated as (
    select
        per_bucket.*,
        -- outward from the reference price: longs are liquidated as the price falls (highest
        -- bucket first), shorts as it rises (lowest bucket first)
        sum(notional_usd) over (
            partition by venue, symbol, side
            order by case when side = 'long' then -bucket_index else bucket_index end
            rows between unbounded preceding and current row
        ) as cumulative_notional_usd
    from per_bucket
),

final as (
    select
        as_of.as_of_at,
        accumulated.venue,
        accumulated.symbol,
        accumulated.side,
        accumulated.bucket_index,
        accumulated.reference_price,
        accumulated.reference_price * (1 + accumulated.bucket_index * {{ bucket_width_rate }}) as bucket_lower_price,
        accumulated.reference_price * (1 + (accumulated.bucket_index + 1) * {{ bucket_width_rate }}) as bucket_upper_price,
        (accumulated.bucket_index + 0.5) * {{ bucket_width_rate }} as distance_from_reference_rate,
        accumulated.position_count,
        accumulated.notional_usd,
        accumulated.cumulative_notional_usd,
        {{ incremental_loaded_at() }} as loaded_at
    from accumulated
    cross join as_of
)

-- typed: one type per kind of column (macros/types.sql, README "Types")
select
    {{ utc_timestamp('as_of_at') }} as as_of_at,
    venue,
    symbol,
    side,
    {{ count_value('bucket_index') }} as bucket_index,
    {{ measure_value('reference_price') }} as reference_price,
    {{ measure_value('bucket_lower_price') }} as bucket_lower_price,
    {{ measure_value('bucket_upper_price') }} as bucket_upper_price,
    {{ measure_value('distance_from_reference_rate') }} as distance_from_reference_rate,
    {{ count_value('position_count') }} as position_count,
    {{ usd_amount('notional_usd') }} as notional_usd,
    {{ usd_amount('cumulative_notional_usd') }} as cumulative_notional_usd,
    {{ utc_timestamp('loaded_at') }} as loaded_at
from final
