{{ config(materialized='table') }}
-- One row per backstop fill x scenario: a position (and its margin) taken over by a backstop
-- vault (Hyperliquid's HLP: equity below 2/3 of maintenance margin) is not closed at the fill;
-- the vault unwinds it over the next `backstop_unwind_minutes_<scenario>` minutes. Its P&L on
-- the unwind = quantity x (mean close of the symbol's bars over that horizon - takeover price),
-- sign-flipped for a short taken over. After the 21:15-21:21 trough prices rebounded, so a
-- long taken over near the bottom and sold over the next half hour earns money: the part of
-- HLP's published +$30-41.5M that a fill-at-the-trade-price model misses. The horizon is not
-- published (vars, an ASSUMPTION with a range). A table, not a view: the fund ledger and its
-- tests read it several times, and a view would redo the bar look-ups each time.
-- Auto-deleveraging (int_adl_fills, simulator switch hyperliquid_adl): the share of a fill that
-- ADL closed is never the vault's, so `quantity` is the fill's quantity less its ADL'd quantity.
with

adl as (
    select liquidation_id, quantity as adl_quantity from {{ ref('stg_simulator__adl_fills') }}
),

fills as (
    select
        revenue.liquidation_id,
        revenue.scenario,
        revenue.venue,
        revenue.symbol,
        revenue.insurance_pool_id,
        revenue.is_long,
        revenue.quantity - coalesce(adl.adl_quantity, 0) as quantity,
        revenue.price
    from {{ ref('int_liquidation_fills_revenue') }} as revenue
    left join adl
        on revenue.liquidation_id = adl.liquidation_id
    where revenue.is_surplus_kept
        and revenue.mechanism = 'book_or_backstop'
),

liquidations as (
    select liquidation_id, liquidated_at from {{ ref('stg_simulator__liquidations') }}
),

bars as (
    select venue, symbol, bar_opened_at, close_price from {{ ref('stg_simulator__price_bars') }}
),

horizons as (
    select * from (values
        ('low', {{ var('backstop_unwind_minutes_low') }}),
        ('central', {{ var('backstop_unwind_minutes_central') }}),
        ('high', {{ var('backstop_unwind_minutes_high') }})
    ) as horizons (scenario, unwind_minutes)
),

takeovers as (
    select
        fills.liquidation_id,
        fills.scenario,
        fills.venue,
        fills.symbol,
        fills.insurance_pool_id,
        fills.is_long,
        fills.quantity,
        fills.price as takeover_price,
        liquidations.liquidated_at,
        horizons.unwind_minutes
    from fills
    inner join liquidations
        on fills.liquidation_id = liquidations.liquidation_id
    inner join horizons
        on fills.scenario = horizons.scenario
),

-- The unwind price depends only on the series, the fill's minute and the horizon, and fills
-- share minutes: each distinct window is averaged once (pairing every takeover with every bar of
-- its window made ~11M rows at scale 1 for ~340k takeovers).
unwind_windows as (
    select distinct
        venue,
        symbol,
        {{ dbt.date_trunc('minute', 'liquidated_at') }} as unwind_start_at,
        unwind_minutes
    from takeovers
),

unwind_prices as (
    select
        unwind_windows.venue,
        unwind_windows.symbol,
        unwind_windows.unwind_start_at,
        unwind_windows.unwind_minutes,
        avg(bars.close_price) as unwind_price,
        count(bars.close_price) as unwind_bar_count
    from unwind_windows
    inner join bars
        on unwind_windows.venue = bars.venue
        and unwind_windows.symbol = bars.symbol
        and bars.bar_opened_at >= unwind_windows.unwind_start_at
        and bars.bar_opened_at < {{ dbt.dateadd('minute', 'unwind_windows.unwind_minutes',
                                                'unwind_windows.unwind_start_at') }}
    group by 1, 2, 3, 4
),

final as (
    select
        takeovers.liquidation_id,
        takeovers.scenario,
        takeovers.venue,
        takeovers.symbol,
        takeovers.insurance_pool_id,
        takeovers.is_long,
        takeovers.quantity,
        takeovers.takeover_price,
        takeovers.unwind_minutes,
        -- no bar after the fill (end of the series): the vault closes at the takeover price
        coalesce(unwind_prices.unwind_price, takeovers.takeover_price) as unwind_price,
        coalesce(unwind_prices.unwind_bar_count, 0) as unwind_bar_count,
        takeovers.quantity
        * (coalesce(unwind_prices.unwind_price, takeovers.takeover_price) - takeovers.takeover_price)
        * case when takeovers.is_long then 1 else -1 end as unwind_pnl_usd
    from takeovers
    left join unwind_prices
        on takeovers.venue = unwind_prices.venue
        and takeovers.symbol = unwind_prices.symbol
        and {{ dbt.date_trunc('minute', 'takeovers.liquidated_at') }} = unwind_prices.unwind_start_at
        and takeovers.unwind_minutes = unwind_prices.unwind_minutes
)

select * from final
