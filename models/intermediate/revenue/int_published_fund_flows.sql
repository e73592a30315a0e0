-- What each insurance fund or backstop vault published about its result over the event, one row
-- per pool: Binance's shared BTC/ETH/BNB USD-M fund change over the day (seed
-- insurance_fund_movements) and Hyperliquid's HLP earnings (seed published_aggregates, metric
-- venue_earnings_usd), low / central / high, and whether the model was fitted to it
-- (insurance_fund_pools.is_fitted_to_published). Read by fct_fund_flow_reconciliation.
with

fund_movements as (
    {{ select_money_as_double(ref('insurance_fund_movements')) }}
),

aggregates as (
    {{ select_money_as_double(ref('published_aggregates')) }}
),

pools as (
    select distinct venue, pool_id, is_fitted_to_published from {{ ref('insurance_fund_pools') }}
    where is_published_pool
),

published as (
    select venue, 'insurance fund change' as published_metric, change_low_usd as low_usd,
        change_central_usd as central_usd, change_high_usd as high_usd, source
    from fund_movements
    union all
    select venue, 'vault earnings (HLP)', value_low_usd, value_central_usd, value_high_usd, source
    from aggregates
    where metric = 'venue_earnings_usd'
),

final as (
    select
        published.venue,
        pools.pool_id,
        published.published_metric,
        published.low_usd,
        published.central_usd,
        published.high_usd,
        published.source,
        pools.is_fitted_to_published
    from published
    inner join pools
        on published.venue = pools.venue
)

select * from final
