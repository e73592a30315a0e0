-- Per-minute liquidation series per wave scope, with a spine: `scope` = 'market' (every venue
-- and symbol) or a venue id (that venue's symbols). The input of wave segmentation.
-- A table rebuilt on every run, not incremental: ~5k rows summed from int_liquidation_minutes'
-- ~31k cost less than finding which minutes changed; the sums are exact (exact_sum: the minutes hold
-- millionths of a dollar), so a rebuild gives the same bits as before.
{{ config(materialized='table') }}
with

minutes as (
    select * from {{ ref('int_liquidation_minutes') }}
),

-- every minute row twice: once in the market scope, once in its venue's
scoped_minutes as (
    select 'market' as scope, minutes.* from minutes
    union all
    select venue as scope, minutes.* from minutes
),

final as (
    select
        scope,
        liquidated_minute_at as bucket_at,
        cast(sum(liquidation_count) as {{ dbt.type_bigint() }}) as liquidation_count,
        {{ exact_sum('notional_usd') }} as notional_usd,
        {{ exact_sum('long_notional_usd') }} as long_notional_usd,
        min(first_liquidated_at) as first_liquidated_at
    from scoped_minutes
    group by 1, 2
)

select * from final
