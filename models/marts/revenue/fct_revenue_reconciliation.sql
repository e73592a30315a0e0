-- Reconciliation of the modelled revenue with what was published: per venue and basis, the modelled
-- narrow scope (the insurance fund's or backstop vault's net flow: clearance fee + surplus +
-- payouts) against the published insurance-fund change (Binance) or vault profit (Hyperliquid's
-- HLP), and the simulated / estimated liquidated notional against CoinGlass' 24h totals.
-- A gap here is a finding about the simulated sample or the mechanism assumptions, not an error.
with

fee_revenue as (
    select * from {{ ref('fct_exchange_fee_revenue') }}
),

published_flow as (
    select * from {{ ref('int_published_fund_flows') }}
),

aggregates as (
    select * from {{ ref('published_aggregates') }}
),

narrow as (
    select
        venue,
        basis,
        sum(case when scenario = 'low' then revenue_usd end) as narrow_low_usd,
        sum(case when scenario = 'central' then revenue_usd end) as narrow_central_usd,
        sum(case when scenario = 'high' then revenue_usd end) as narrow_high_usd,
        max(case when scenario = 'central' then liquidated_notional_usd end) as liquidated_notional_central_usd
    from fee_revenue
    -- the modelled bases only: published_fund_flow's narrow scope IS the published figure
    where scope = 'narrow' and basis <> 'published_fund_flow'
    group by 1, 2
),

published_liquidations as (
    select venue, value_central_usd as published_liquidations_usd
    from aggregates
    where metric = 'liquidations_usd' and venue <> '*' and symbol = '*'
),

final as (
    select
        narrow.venue,
        narrow.basis,
        narrow.liquidated_notional_central_usd,
        published_liquidations.published_liquidations_usd,
        narrow.narrow_low_usd as modelled_narrow_low_usd,
        narrow.narrow_central_usd as modelled_narrow_central_usd,
        narrow.narrow_high_usd as modelled_narrow_high_usd,
        published_flow.published_metric,
        published_flow.low_usd as published_low_usd,
        published_flow.central_usd as published_central_usd,
        published_flow.high_usd as published_high_usd,
        -- how far the modelled range misses the published one (0 when they overlap)
        case
            when published_flow.central_usd is null then null
            when narrow.narrow_high_usd < published_flow.low_usd
                then narrow.narrow_high_usd - published_flow.low_usd
            when narrow.narrow_low_usd > published_flow.high_usd
                then narrow.narrow_low_usd - published_flow.high_usd
            else 0
        end as modelled_minus_published_gap_usd
    from narrow
    left join published_liquidations
        on narrow.venue = published_liquidations.venue
    left join published_flow
        on narrow.venue = published_flow.venue
)

select * from final
