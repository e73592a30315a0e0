-- One row per venue in the exchanges seed, with what the data says about its liquidations
-- next to what was published.
with

exchanges as (
    {{ select_money_as_double(ref('exchanges')) }}
),

liquidations as (
    {{ select_money_as_double(ref('fct_liquidations')) }}
),

liquidations_per_venue as (
    {{ liquidation_totals_by('liquidations', 'venue', 'exchange_id') }}
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
        {{ liquidation_total_columns('liquidations_per_venue') }}
    from exchanges
    left join liquidations_per_venue
        on exchanges.exchange_id = liquidations_per_venue.exchange_id
)

-- typed: one type per kind of column (macros/types.sql, README "Types"; the totals are typed
-- by liquidation_total_columns)
select
    exchange_id,
    exchange_name,
    exchange_type,
    public_feed_sampling,
    liquidation_side_convention,
    {{ usd_amount('published_liquidations_usd') }} as published_liquidations_usd,
    published_liquidations_source,
    liquidation_count,
    liquidated_notional_usd,
    public_feed_notional_usd,
    public_feed_coverage_rate,
    long_share
from final
