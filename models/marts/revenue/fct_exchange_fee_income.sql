-- Ledger (a), the exchange's own P&L from the event: one row per venue x basis x scenario x
-- component. `liquidation_taker_fee`: the taker fee on the forced fills. `excess_volume_fee`:
-- fees on the day's derivatives volume in excess of an average day (int_venue_excess_volume:
-- published volume x the venue's share), net of the forced fills already charged, at the fee
-- earned per USD traded (vars revenue_excess_volume_fee_rate_*: the fee-tier mix).
-- Insurance-fund flows are NOT fee income (users' money held in reserve: fct_insurance_fund_flows)
-- and relief is not netted here (fct_relief_programs).
-- Bases: `simulated_full_record` charges every simulated fill; `published_scaled` the venue's
-- published (CoinGlass) total x the public-feed undercount anchored on CoinGlass's 30-40 bn
-- estimate (int_public_feed_undercount). Scenarios move every input the same way: `low` is the
-- lowest fee income.
with

fill_revenue as (
    select * from {{ ref('int_liquidation_fills_revenue') }}
),

undercount as (
    select * from {{ ref('int_public_feed_undercount') }}
),

excess_volume as (
    select * from {{ ref('int_venue_excess_volume') }}
),

excess_volume_fee_rates as (
    select * from (values
        ('low', {{ var('revenue_excess_volume_fee_rate_low') }}),
        ('central', {{ var('revenue_excess_volume_fee_rate_central') }}),
        ('high', {{ var('revenue_excess_volume_fee_rate_high') }})
    ) as excess_volume_fee_rates (scenario, fee_rate)
),

simulated_fills as (
    select
        venue,
        scenario,
        sum(notional_usd) as liquidated_notional_usd,
        sum(liquidation_taker_fee_usd) as liquidation_taker_fee_usd,
        sum(liquidation_taker_fee_usd) / nullif(sum(notional_usd), 0) as taker_fee_rate
    from fill_revenue
    group by 1, 2
),

-- the liquidated notional per basis: every simulated fill, or the published total x undercount
basis_notional as (
    select
        venue,
        'simulated_full_record' as basis,
        scenario,
        liquidated_notional_usd,
        cast(null as {{ type_double() }}) as undercount_ratio,
        taker_fee_rate
    from simulated_fills
    union all
    select
        simulated_fills.venue,
        'published_scaled' as basis,
        simulated_fills.scenario,
        undercount.estimated_liquidated_notional_usd as liquidated_notional_usd,
        undercount.undercount_ratio,
        simulated_fills.taker_fee_rate
    from simulated_fills
    inner join undercount
        on simulated_fills.venue = undercount.venue
        and simulated_fills.scenario = undercount.scenario
),

components as (
    select
        venue,
        basis,
        scenario,
        'liquidation_taker_fee' as component,
        liquidated_notional_usd,
        undercount_ratio,
        cast(null as {{ type_double() }}) as excess_volume_usd,
        taker_fee_rate as fee_rate,
        liquidated_notional_usd * taker_fee_rate as fee_income_usd
    from basis_notional
    union all
    select
        basis_notional.venue,
        basis_notional.basis,
        basis_notional.scenario,
        'excess_volume_fee' as component,
        basis_notional.liquidated_notional_usd,
        basis_notional.undercount_ratio,
        -- the forced fills are part of the day's volume and already charged above
        greatest(excess_volume.excess_volume_usd - basis_notional.liquidated_notional_usd, 0)
            as excess_volume_usd,
        excess_volume_fee_rates.fee_rate,
        greatest(excess_volume.excess_volume_usd - basis_notional.liquidated_notional_usd, 0)
            * excess_volume_fee_rates.fee_rate as fee_income_usd
    from basis_notional
    inner join excess_volume
        on basis_notional.venue = excess_volume.venue
        and basis_notional.scenario = excess_volume.scenario
    inner join excess_volume_fee_rates
        on basis_notional.scenario = excess_volume_fee_rates.scenario
),

final as (
    select * from components
)

-- typed: one type per kind of column (macros/types.sql, README "Types")
select
    venue,
    basis,
    scenario,
    component,
    {{ usd_amount('liquidated_notional_usd') }} as liquidated_notional_usd,
    {{ measure_value('undercount_ratio') }} as undercount_ratio,
    {{ usd_amount('excess_volume_usd') }} as excess_volume_usd,
    {{ measure_value('fee_rate') }} as fee_rate,
    {{ usd_amount('fee_income_usd') }} as fee_income_usd
from final
