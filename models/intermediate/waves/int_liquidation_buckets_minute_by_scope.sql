-- Per-minute liquidation series per wave scope, with a spine: `scope` = 'market' (every venue
-- and symbol) or a venue id (that venue's symbols). The input of wave segmentation.
with

buckets as (
    select * from {{ ref('int_liquidation_buckets_minute') }}
),

market as (
    select
        'market' as scope,
        bucket_at,
        sum(liquidation_count) as liquidation_count,
        sum(notional_usd) as notional_usd,
        sum(long_notional_usd) as long_notional_usd,
        min(first_liquidated_at) as first_liquidated_at
    from buckets
    group by 1, 2
),

per_venue as (
    select
        venue as scope,
        bucket_at,
        sum(liquidation_count) as liquidation_count,
        sum(notional_usd) as notional_usd,
        sum(long_notional_usd) as long_notional_usd,
        min(first_liquidated_at) as first_liquidated_at
    from buckets
    group by 1, 2
),

final as (
    select * from market
    union all
    select * from per_venue
)

select * from final
