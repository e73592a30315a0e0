-- Per-minute liquidation series per wave scope, with a spine: `scope` = 'market' (every venue
-- and symbol) or a venue id (that venue's symbols). The input of wave segmentation.
-- Incremental (macros/incremental): recomputes the minutes from the earliest minute bucket
-- int_liquidation_buckets_minute rewrote since this table's last load onwards.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy=incremental_strategy('delete+insert'),
    unique_key=['scope', 'bucket_at'],
    on_schema_change='fail'
) }}
with

buckets as (
    select * from {{ ref('int_liquidation_buckets_minute') }}
    {%- if is_incremental() %}
    where bucket_at >= {{ incremental_first_bucket_to_recompute(ref('int_liquidation_buckets_minute'), 'bucket_at', 'minute') }}
    {%- endif %}
),

market as (
    select
        'market' as scope,
        bucket_at,
        sum(liquidation_count) as liquidation_count,
        {{ ordered_sum('notional_usd', 'venue, symbol') }} as notional_usd,
        {{ ordered_sum('long_notional_usd', 'venue, symbol') }} as long_notional_usd,
        min(first_liquidated_at) as first_liquidated_at
    from buckets
    group by 1, 2
),

per_venue as (
    select
        venue as scope,
        bucket_at,
        sum(liquidation_count) as liquidation_count,
        {{ ordered_sum('notional_usd', 'venue, symbol') }} as notional_usd,
        {{ ordered_sum('long_notional_usd', 'venue, symbol') }} as long_notional_usd,
        min(first_liquidated_at) as first_liquidated_at
    from buckets
    group by 1, 2
),

unioned as (
    select * from market
    union all
    select * from per_venue
),

final as (
    select
        unioned.*,
        {{ incremental_loaded_at() }} as loaded_at
    from unioned
)

select * from final
