-- One row per venue in the exchanges seed, with what the data says about its liquidations
-- next to what was published.
with

exchanges as (
    select * from {{ ref('exchanges') }}
),

liquidations as (
    select * from {{ ref('fct_liquidations') }}
),

liquidations_per_venue as (
    select
        venue as exchange_id,
        count(*) as liquidation_count,
        sum(notional_usd) as liquidated_notional_usd,
        sum(case when is_shown_in_public_feed then notional_usd else 0 end) as public_feed_notional_usd,
        sum(case when is_long then notional_usd else 0 end) as long_notional_usd
    from liquidations
    group by 1
),

final as (
    select
        exchanges.exchange_id,
        exchanges.exchange_name,
        exchanges.exchange_type,
        exchanges.public_feed_sampling,
        exchanges.liquidation_side_convention,
        exchanges.published_liquidations_usd,
        exchanges.source as published_liquidations_source,
        coalesce(liquidations_per_venue.liquidation_count, 0) as liquidation_count,
        coalesce(liquidations_per_venue.liquidated_notional_usd, 0) as liquidated_notional_usd,
        coalesce(liquidations_per_venue.public_feed_notional_usd, 0) as public_feed_notional_usd,
        liquidations_per_venue.public_feed_notional_usd
            / nullif(liquidations_per_venue.liquidated_notional_usd, 0) as public_feed_coverage_rate,
        liquidations_per_venue.long_notional_usd
            / nullif(liquidations_per_venue.liquidated_notional_usd, 0) as long_share
    from exchanges
    left join liquidations_per_venue
        on exchanges.exchange_id = liquidations_per_venue.exchange_id
)

select * from final
