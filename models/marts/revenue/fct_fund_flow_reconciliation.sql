-- The modelled insurance fund / backstop vault result held against what was published, one row
-- per pool x basis: the modelled net flow (fct_insurance_fund_flows, low / central / high, the
-- range = min and max over the scenarios) against Binance's published BTC/ETH/BNB fund change
-- (-$184-188M) and HLP's published earnings (+$30-41.5M), with the gap (0 when the ranges
-- overlap), and whether the overlap is by calibration (a parameter fitted to that published
-- figure: seed insurance_fund_pools.is_fitted_to_published, with what was fitted in `fitted_by`).
-- A model whose fund ledger misses these cannot be trusted for the fee ledger either:
-- tests/revenue/assert_fund_flows_reproduce_the_published_results.sql fails the build on a miss.
with

fund_flows as (
    {{ select_money_as_double(ref('fct_insurance_fund_flows')) }}
),

published as (
    select * from {{ ref('int_published_fund_flows') }}
),

net_flows as (
    select
        venue,
        pool_id,
        pool_name,
        basis,
        scenario,
        sum(flow_usd) as net_flow_usd
    from fund_flows
    group by 1, 2, 3, 4, 5
),

ranges as (
    select
        venue,
        pool_id,
        pool_name,
        basis,
        min(net_flow_usd) as modelled_low_usd,
        max(case when scenario = 'central' then net_flow_usd end) as modelled_central_usd,
        max(net_flow_usd) as modelled_high_usd
    from net_flows
    group by 1, 2, 3, 4
),

final as (
    select
        ranges.venue,
        ranges.pool_id,
        ranges.pool_name,
        ranges.basis,
        ranges.modelled_low_usd,
        ranges.modelled_central_usd,
        ranges.modelled_high_usd,
        published.published_metric,
        published.low_usd as published_low_usd,
        published.central_usd as published_central_usd,
        published.high_usd as published_high_usd,
        published.source as published_source,
        case
            when published.published_metric is null then null
            when ranges.modelled_high_usd < published.low_usd
                then ranges.modelled_high_usd - published.low_usd
            when ranges.modelled_low_usd > published.high_usd
                then ranges.modelled_low_usd - published.high_usd
            else 0
        end as modelled_minus_published_gap_usd,
        case
            when published.published_metric is null then 'not published'
            when ranges.modelled_high_usd < published.low_usd
                or ranges.modelled_low_usd > published.high_usd then 'misses'
            else 'overlaps'
        end as reconciliation_status,
        coalesce(published.is_fitted_to_published, false) as is_fitted_to_published
    from ranges
    left join published
        on ranges.pool_id = published.pool_id
)

-- typed: one type per kind of column (macros/types.sql, README "Types")
select
    venue,
    pool_id,
    pool_name,
    basis,
    {{ usd_amount('modelled_low_usd') }} as modelled_low_usd,
    {{ usd_amount('modelled_central_usd') }} as modelled_central_usd,
    {{ usd_amount('modelled_high_usd') }} as modelled_high_usd,
    published_metric,
    {{ usd_amount('published_low_usd') }} as published_low_usd,
    {{ usd_amount('published_central_usd') }} as published_central_usd,
    {{ usd_amount('published_high_usd') }} as published_high_usd,
    published_source,
    {{ usd_amount('modelled_minus_published_gap_usd') }} as modelled_minus_published_gap_usd,
    reconciliation_status,
    is_fitted_to_published
from final
