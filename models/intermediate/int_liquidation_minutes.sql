-- Per-minute liquidation series: one row per venue x symbol x minute that had at least one
-- forced fill. Summing over venue and/or symbol gives the market-wide series.
-- Built on fct_liquidations (not staging) on purpose: liquidated_minute_at is derived once, there,
-- and per-minute series must agree with the fact table users query.
with

liquidations as (
    {{ select_money_as_double(ref('fct_liquidations')) }}
),

per_minute as (
    select
        venue,
        symbol,
        liquidated_minute_at,
        count(*) as liquidation_count,
        sum(notional_usd) as notional_usd,
        sum(case when is_long then notional_usd else 0 end) as long_notional_usd,
        sum(case when is_shown_in_public_feed then notional_usd else 0 end) as public_feed_notional_usd
    from liquidations
    group by 1, 2, 3
),

final as (
    select * from per_minute
)

select * from final
