-- One row per base asset in the symbols seed, with what the data says about its liquidations
-- next to what was published.
with

symbols as (
    {{ select_money_as_double(ref('symbols')) }}
),

liquidations as (
    {{ select_money_as_double(ref('fct_liquidations')) }}
),

liquidations_per_symbol as (
    {{ liquidation_totals_by('liquidations', 'symbol', 'symbol') }}
),

final as (
    select
        symbols.symbol,
        symbols.asset_name,
        symbols.published_liquidations_usd,
        symbols.source as published_liquidations_source,
        {{ liquidation_total_columns('liquidations_per_symbol') }}
    from symbols
    left join liquidations_per_symbol
        on symbols.symbol = liquidations_per_symbol.symbol
)

-- typed: one type per kind of column (macros/types.sql, README "Types"; the totals are typed
-- by liquidation_total_columns)
select
    symbol,
    asset_name,
    {{ usd_amount('published_liquidations_usd') }} as published_liquidations_usd,
    published_liquidations_source,
    liquidation_count,
    liquidated_notional_usd,
    public_feed_notional_usd,
    public_feed_coverage_rate,
    long_share
from final
