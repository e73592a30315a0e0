-- One row per base asset in the symbols seed, with what the data says about its liquidations
-- next to what was published.
with

symbols as (
    select * from {{ ref('symbols') }}
),

liquidations as (
    select * from {{ ref('fct_liquidations') }}
),

liquidations_per_symbol as (
    select
        symbol,
        count(*) as liquidation_count,
        sum(notional_usd) as liquidated_notional_usd,
        sum(case when is_shown_in_public_feed then notional_usd else 0 end) as public_feed_notional_usd,
        sum(case when is_long then notional_usd else 0 end) as long_notional_usd
    from liquidations
    group by 1
),

final as (
    select
        symbols.symbol,
        symbols.asset_name,
        symbols.published_liquidations_usd,
        symbols.source as published_liquidations_source,
        coalesce(liquidations_per_symbol.liquidation_count, 0) as liquidation_count,
        coalesce(liquidations_per_symbol.liquidated_notional_usd, 0) as liquidated_notional_usd,
        coalesce(liquidations_per_symbol.public_feed_notional_usd, 0) as public_feed_notional_usd,
        liquidations_per_symbol.public_feed_notional_usd
            / nullif(liquidations_per_symbol.liquidated_notional_usd, 0) as public_feed_coverage_rate,
        liquidations_per_symbol.long_notional_usd
            / nullif(liquidations_per_symbol.liquidated_notional_usd, 0) as long_share
    from symbols
    left join liquidations_per_symbol
        on symbols.symbol = liquidations_per_symbol.symbol
)

select * from final
