-- One row per venue x scenario: the day's derivatives volume in excess of an average 2025 day
-- (CoinGlass: 748.3 bn on 10 Oct against 264.5 bn a day, seed published_aggregates) times the
-- venue's share of it (seed venue_volume_shares, low / central / high): the base of the exchange
-- fee income on the day's extra trading. Venues without a share row (Hyperliquid) have none.
with

aggregates as (
    {{ select_money_as_double(ref('published_aggregates')) }}
),

shares as (
    select * from {{ ref('venue_volume_shares') }}
),

market_volume as (
    select
        max(case when aggregate_id = 'coinglass_derivatives_volume_day' then value_central_usd end)
            as day_volume_usd,
        max(case when aggregate_id = 'coinglass_derivatives_volume_2025_daily_average' then value_central_usd end)
            as average_day_volume_usd
    from aggregates
    where metric = 'derivatives_volume_usd'
),

share_scenarios as (
    select venue, 'low' as scenario, share_low as volume_share from shares
    union all
    select venue, 'central', share_central from shares
    union all
    select venue, 'high', share_high from shares
),

final as (
    select
        share_scenarios.venue,
        share_scenarios.scenario,
        market_volume.day_volume_usd,
        market_volume.average_day_volume_usd,
        share_scenarios.volume_share,
        greatest(market_volume.day_volume_usd - market_volume.average_day_volume_usd, 0)
            * share_scenarios.volume_share as excess_volume_usd
    from share_scenarios
    cross join market_volume
)

select * from final
