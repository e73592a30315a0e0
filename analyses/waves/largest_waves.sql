-- The largest cascade waves, market-wide and per venue: when each started, peaked and ended, how
-- much it liquidated, the long share, the BTC drawdown and the notional per 1% of drawdown.
-- Run: dbt show --profiles-dir . -s largest_waves
with

waves as (
    select * from {{ ref('fct_cascade_waves') }}
),

ranked as (
    select
        *,
        row_number() over (partition by scope order by notional_usd desc) as rank_in_scope
    from waves
),

final as (
    select
        scope,
        wave_id,
        started_at,
        peak_bucket_at,
        ended_at,
        duration_seconds,
        notional_usd,
        liquidation_count,
        long_share,
        price_drawdown_rate,
        notional_per_drawdown_pct_usd,
        leading_venue
    from ranked
    where rank_in_scope <= 3
)

select * from final
order by case when scope = 'market' then 0 else 1 end, scope, notional_usd desc
