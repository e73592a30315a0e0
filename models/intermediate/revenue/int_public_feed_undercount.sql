-- One row per venue x scenario: how many USD of liquidations the venue really had per USD its
-- public feed showed. Anchored OUTSIDE the simulator: CoinGlass's estimate that the day's true
-- liquidations "may have been 30-40 bn" (seed published_aggregates,
-- estimated_true_liquidations_usd, low / central / high) against its counted total, with the
-- whole gap put on the venues whose public feed is sampled (seed exchanges.public_feed_sampling;
-- Binance pushes only the latest order per symbol per second; every other feed is taken as
-- complete): ratio = (true total - the other venues' counted liquidations) / the venue's
-- counted liquidations. Venues with a complete feed get 1. The simulator's own full-to-shown
-- ratio is kept beside it (`simulated_undercount_ratio`) as a cross-check, never used to scale.
with

exchanges as (
    {{ select_money_as_double(ref('exchanges')) }}
),

aggregates as (
    {{ select_money_as_double(ref('published_aggregates')) }}
),

liquidations as (
    select * from {{ ref('stg_simulator__liquidations') }}
),

scenarios as (
    select * from (values ('low'), ('central'), ('high')) as scenarios (scenario)
),

counted_total as (
    select value_central_usd as counted_total_usd
    from aggregates
    where metric = 'liquidations_usd' and venue = '*' and symbol = '*'
        and aggregate_id = 'coinglass_total_24h'
),

true_total as (
    select 'low' as scenario, value_low_usd as true_total_usd from aggregates
    where metric = 'estimated_true_liquidations_usd' and venue = '*' and symbol = '*'
    union all
    select 'central', value_central_usd from aggregates
    where metric = 'estimated_true_liquidations_usd' and venue = '*' and symbol = '*'
    union all
    select 'high', value_high_usd from aggregates
    where metric = 'estimated_true_liquidations_usd' and venue = '*' and symbol = '*'
),

simulated as (
    select
        venue,
        sum(notional_usd) / nullif(sum(case when is_shown_in_public_feed then notional_usd else 0 end), 0)
            as simulated_undercount_ratio
    from liquidations
    group by 1
),

ratios as (
    select
        exchanges.exchange_id as venue,
        scenarios.scenario,
        exchanges.public_feed_sampling,
        exchanges.published_liquidations_usd,
        true_total.true_total_usd,
        counted_total.counted_total_usd,
        case when exchanges.public_feed_sampling = 'all' then 1.0
            else (true_total.true_total_usd
                  - (counted_total.counted_total_usd - exchanges.published_liquidations_usd))
                 / exchanges.published_liquidations_usd
        end as undercount_ratio,
        simulated.simulated_undercount_ratio
    from exchanges
    cross join scenarios
    cross join counted_total
    inner join true_total
        on scenarios.scenario = true_total.scenario
    left join simulated
        on exchanges.exchange_id = simulated.venue
    where exchanges.published_liquidations_usd > 0
),

final as (
    select
        *,
        -- the venue's true liquidated notional in this scenario: what every published_scaled
        -- figure (fee income, fund flows, users' losses) is scaled to
        published_liquidations_usd * undercount_ratio as estimated_liquidated_notional_usd
    from ratios
)

select * from final
