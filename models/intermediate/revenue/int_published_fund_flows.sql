-- What each venue's insurance fund or backstop vault published about its result over the event,
-- one row per venue: Binance's insurance-fund balance change over the day (seed
-- insurance_fund_movements) and Hyperliquid's HLP earnings (seed published_aggregates,
-- metric venue_earnings_usd), low / central / high. Read by fct_exchange_fee_revenue (basis
-- published_fund_flow) and fct_revenue_reconciliation.
with

fund_movements as (
    select * from {{ ref('insurance_fund_movements') }}
),

aggregates as (
    select * from {{ ref('published_aggregates') }}
),

final as (
    select venue, 'insurance fund change' as published_metric, change_low_usd as low_usd,
        change_central_usd as central_usd, change_high_usd as high_usd
    from fund_movements
    union all
    select venue, 'vault earnings (HLP)', value_low_usd, value_central_usd, value_high_usd
    from aggregates
    where metric = 'venue_earnings_usd'
)

select * from final
