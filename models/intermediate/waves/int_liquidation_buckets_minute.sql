{{ config(materialized='table') }}
-- Per-minute liquidation series WITH A SPINE: one row per venue x symbol x minute of the event
-- window, zeros where nothing was liquidated (quiet periods are rows, not gaps). Venues and
-- symbols come from the reference seeds, so a venue-symbol without fills is a row of zeros too.
-- A table: every wave model reads it, and it is small (960 minutes x 32 = ~31k rows).
with

liquidations as (
    select * from {{ ref('fct_liquidations') }}
),

exchanges as (
    select * from {{ ref('exchanges') }}
),

symbols as (
    select * from {{ ref('symbols') }}
),

spine as (
    {{ time_spine(
        "cast('" ~ var('event_window_start') ~ "' as " ~ dbt.type_timestamp() ~ ")",
        "cast('" ~ var('event_window_end') ~ "' as " ~ dbt.type_timestamp() ~ ")",
        'minute'
    ) }}
),

grid as (
    select
        exchanges.exchange_id as venue,
        symbols.symbol,
        spine.bucket_at
    from spine
    cross join exchanges
    cross join symbols
),

per_minute as (
    select
        venue,
        symbol,
        liquidated_minute_at as bucket_at,
        count(*) as liquidation_count,
        sum(notional_usd) as notional_usd,
        sum(case when is_long then notional_usd else 0 end) as long_notional_usd,
        min(liquidated_at) as first_liquidated_at
    from liquidations
    group by 1, 2, 3
),

final as (
    select
        grid.venue,
        grid.symbol,
        grid.bucket_at,
        coalesce(per_minute.liquidation_count, 0) as liquidation_count,
        coalesce(per_minute.notional_usd, 0) as notional_usd,
        coalesce(per_minute.long_notional_usd, 0) as long_notional_usd,
        per_minute.first_liquidated_at
    from grid
    left join per_minute
        on grid.venue = per_minute.venue
        and grid.symbol = per_minute.symbol
        and grid.bucket_at = per_minute.bucket_at
)

select * from final
