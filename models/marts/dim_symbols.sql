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

select * from final
