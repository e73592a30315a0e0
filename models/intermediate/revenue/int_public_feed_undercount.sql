-- One row per venue x scenario: how many USD of liquidations the venue really had per USD its
-- public feed showed, measured where both are known (the simulated sample's full record vs its
-- is_shown_in_public_feed flag). central = the venue's pooled ratio; low/high = quantiles
-- (vars undercount_ratio_quantile_low/_high) of the per-symbol ratios, widened to include central.
with

liquidations as (
    select * from {{ ref('stg_simulator__liquidations') }}
),

by_symbol as (
    select
        venue,
        symbol,
        sum(notional_usd) as notional_usd,
        sum(case when is_shown_in_public_feed then notional_usd else 0 end) as shown_notional_usd
    from liquidations
    group by 1, 2
),

by_venue as (
    select
        venue,
        sum(notional_usd) as notional_usd,
        sum(shown_notional_usd) as shown_notional_usd,
        sum(notional_usd) / nullif(sum(shown_notional_usd), 0) as pooled_ratio,
        -- a symbol with nothing shown has no finite ratio and is left out of the spread
        quantile_cont(notional_usd / nullif(shown_notional_usd, 0),
                      {{ var('undercount_ratio_quantile_low') }}) as quantile_low_ratio,
        quantile_cont(notional_usd / nullif(shown_notional_usd, 0),
                      {{ var('undercount_ratio_quantile_high') }}) as quantile_high_ratio,
        count(*) as symbol_count
    from by_symbol
    group by 1
),

scenarios as (
    select venue, notional_usd, shown_notional_usd, symbol_count, 'low' as scenario,
        least(quantile_low_ratio, pooled_ratio) as undercount_ratio
    from by_venue
    union all
    select venue, notional_usd, shown_notional_usd, symbol_count, 'central' as scenario,
        pooled_ratio as undercount_ratio
    from by_venue
    union all
    select venue, notional_usd, shown_notional_usd, symbol_count, 'high' as scenario,
        greatest(quantile_high_ratio, pooled_ratio) as undercount_ratio
    from by_venue
),

final as (
    select
        venue,
        scenario,
        notional_usd,
        shown_notional_usd,
        symbol_count,
        undercount_ratio
    from scenarios
)

select * from final
