{{ config(materialized='table') }}
-- Per-second liquidation series WITH A SPINE: one row per venue x symbol x second, zeros where
-- nothing was liquidated. Only over [wave_second_grain_start, wave_second_grain_end) (default the
-- waterfall hour 20:45-21:45, 3,600 s x 32 = ~115k rows): the whole 16 h window would be 1.8M
-- mostly-empty rows for questions asked about one hour. Fills outside that window are not here;
-- use int_liquidation_buckets_minute for the whole event window.
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
        "cast('" ~ var('wave_second_grain_start') ~ "' as " ~ dbt.type_timestamp() ~ ")",
        "cast('" ~ var('wave_second_grain_end') ~ "' as " ~ dbt.type_timestamp() ~ ")",
        'second'
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

per_second as (
    select
        venue,
        symbol,
        {{ dbt.date_trunc("second", "liquidated_at") }} as bucket_at,
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
        coalesce(per_second.liquidation_count, 0) as liquidation_count,
        coalesce(per_second.notional_usd, 0) as notional_usd,
        coalesce(per_second.long_notional_usd, 0) as long_notional_usd,
        per_second.first_liquidated_at
    from grid
    left join per_second
        on grid.venue = per_second.venue
        and grid.symbol = per_second.symbol
        and grid.bucket_at = per_second.bucket_at
)

select * from final
