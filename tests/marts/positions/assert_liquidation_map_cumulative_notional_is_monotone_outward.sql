-- Moving away from the reference price, more positions are liquidated, never fewer: per venue x
-- symbol x side the cumulative notional must not decrease outward (downward for longs, upward
-- for shorts), and the innermost bucket's cumulative equals its own notional.
-- Returns the buckets that break this.
with

liquidation_map as (
    select * from {{ ref('fct_liquidation_map') }}
),

ordered as (
    select
        venue,
        symbol,
        side,
        bucket_index,
        notional_usd,
        cumulative_notional_usd,
        lag(cumulative_notional_usd) over (
            partition by venue, symbol, side
            order by case when side = 'long' then -bucket_index else bucket_index end
        ) as inner_cumulative_notional_usd
    from liquidation_map
),

broken as (
    select *
    from ordered
    where cumulative_notional_usd < inner_cumulative_notional_usd
        -- relative tolerance: running sums of doubles
        or (inner_cumulative_notional_usd is null
            and abs(cumulative_notional_usd - notional_usd) > 1e-9 * abs(notional_usd))
        or notional_usd <= 0
)

select * from broken
