-- Conservation, per scope: notional inside waves (fct_cascade_waves) + notional in the minutes
-- outside any wave (int_waves_segmented) = every liquidated notional of the scope in
-- fct_liquidations. Fails with the scopes where they differ by more than a rounding error.
with

waves as (
    select scope, sum(notional_usd) as in_waves_usd
    from {{ ref('fct_cascade_waves') }}
    group by 1
),

outside as (
    select scope, sum(notional_usd) as outside_waves_usd
    from {{ ref('int_waves_segmented') }}
    where wave_id is null
    group by 1
),

liquidations as (
    select * from {{ ref('fct_liquidations') }}
),

totals as (
    select 'market' as scope, sum(notional_usd) as total_usd from liquidations
    union all
    select venue as scope, sum(notional_usd) as total_usd from liquidations group by 1
),

compared as (
    select
        totals.scope,
        totals.total_usd,
        coalesce(waves.in_waves_usd, 0) as in_waves_usd,
        coalesce(outside.outside_waves_usd, 0) as outside_waves_usd
    from totals
    left join waves on totals.scope = waves.scope
    left join outside on totals.scope = outside.scope
),

failures as (
    select * from compared
    where abs(in_waves_usd + outside_waves_usd - total_usd) > 1e-6 * greatest(total_usd, 1)
)

select * from failures
