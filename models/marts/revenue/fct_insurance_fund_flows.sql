-- Ledger (b), the insurance fund or backstop vault: a reserve funded from liquidated users'
-- margin (Binance's funds) or depositors' money (Hyperliquid's HLP), held by the venue, not its
-- income. One row per venue x pool x basis x scenario x component; flows in are positive:
--   clearance_fee            Binance-style fee on the liquidated amount, capped by the margin left
--   margin_surplus           margin left after the fee that the fund or vault keeps (Bybit's
--                            takeover at the bankruptcy price, HLP's backstop)
--   payout_beyond_bankruptcy the whole loss on fills beyond the bankruptcy price (negative),
--                            including what the drain of multi-position cross-margin accounts
--                            added (int_liquidation_fills_revenue.cross_margin_drain_shortfall_usd;
--                            simulator switch cross_margin_drain)
--   collateral_depeg_shortfall the further loss beyond bankruptcy on accounts whose collateral
--                            (USDe / wBETH / BNSOL) depegged on Binance (negative; seed
--                            collateral_depegs, simulator switch collateral_depeg)
--   adl_offset               the part of that loss auto-deleveraging passed to profitable
--                            counterparties (positive; seed venue_liquidation_mechanisms)
--   backstop_unwind_pnl      the vault's P&L unwinding the positions it took over
--                            (int_backstop_unwinds; only the share ADL did not close)
--   adl_fills                what explicit auto-deleveraging fills took off the vault: the
--                            margin it would have kept and the payout it would have made on the
--                            share of each fill ADL closed (int_adl_fills; simulator switch
--                            hyperliquid_adl; 0 without ADL fills)
-- The pool's net flow is the sum of its components. Bases as in fct_exchange_fee_income:
-- `published_scaled` rescales every component by the venue's estimated true liquidated
-- notional / its simulated notional.
with

fill_revenue as (
    select * from {{ ref('int_liquidation_fills_revenue') }}
),

unwinds as (
    select * from {{ ref('int_backstop_unwinds') }}
),

adl_sums as (
    select
        venue,
        insurance_pool_id as pool_id,
        scenario,
        sum(adl_flow_usd) as adl_fills_usd
    from {{ ref('int_adl_fills') }}
    group by 1, 2, 3
),

undercount as (
    select * from {{ ref('int_public_feed_undercount') }}
),

pools as (
    select distinct pool_id, pool_name, is_published_pool from {{ ref('insurance_fund_pools') }}
),

pool_sums as (
    select
        venue,
        insurance_pool_id as pool_id,
        scenario,
        sum(clearance_fee_usd) as clearance_fee_usd,
        sum(insurance_surplus_usd) as margin_surplus_usd,
        sum(loss_beyond_bankruptcy_usd - collateral_depeg_shortfall_usd)
            as payout_beyond_bankruptcy_usd,
        sum(collateral_depeg_shortfall_usd) as collateral_depeg_shortfall_usd,
        sum(insurance_payout_usd - loss_beyond_bankruptcy_usd) as adl_offset_usd,
        sum(notional_usd) as notional_usd
    from fill_revenue
    group by 1, 2, 3
),

unwind_sums as (
    select
        venue,
        insurance_pool_id as pool_id,
        scenario,
        sum(unwind_pnl_usd) as backstop_unwind_pnl_usd
    from unwinds
    group by 1, 2, 3
),

-- Each pool's sums beside what its vault unwound and what explicit ADL fills took off it
-- (0 where a pool has neither).
pool_flows as (
    select
        pool_sums.*,
        coalesce(unwind_sums.backstop_unwind_pnl_usd, 0) as backstop_unwind_pnl_usd,
        coalesce(adl_sums.adl_fills_usd, 0) as adl_fills_usd
    from pool_sums
    left join unwind_sums
        on pool_sums.venue = unwind_sums.venue
        and pool_sums.pool_id = unwind_sums.pool_id
        and pool_sums.scenario = unwind_sums.scenario
    left join adl_sums
        on pool_sums.venue = adl_sums.venue
        and pool_sums.pool_id = adl_sums.pool_id
        and pool_sums.scenario = adl_sums.scenario
),

simulated_components as (
    select venue, pool_id, scenario, 'clearance_fee' as component, clearance_fee_usd as flow_usd
    from pool_flows
    union all
    select venue, pool_id, scenario, 'margin_surplus', margin_surplus_usd from pool_flows
    union all
    select venue, pool_id, scenario, 'payout_beyond_bankruptcy', payout_beyond_bankruptcy_usd
    from pool_flows
    union all
    select venue, pool_id, scenario, 'collateral_depeg_shortfall', collateral_depeg_shortfall_usd
    from pool_flows
    union all
    select venue, pool_id, scenario, 'adl_offset', adl_offset_usd from pool_flows
    union all
    select venue, pool_id, scenario, 'backstop_unwind_pnl', backstop_unwind_pnl_usd
    from pool_flows
    union all
    select venue, pool_id, scenario, 'adl_fills', adl_fills_usd from pool_flows
),

-- published_scaled: the venue's estimated true liquidated notional / its simulated notional
-- (summed from the pools' sums: the fills are read once, not a second time for this)
venue_scale as (
    select
        pool_sums.venue,
        pool_sums.scenario,
        undercount.estimated_liquidated_notional_usd
            / nullif(sum(pool_sums.notional_usd), 0) as scale_factor
    from pool_sums
    inner join undercount
        on pool_sums.venue = undercount.venue
        and pool_sums.scenario = undercount.scenario
    group by pool_sums.venue, pool_sums.scenario,
        undercount.estimated_liquidated_notional_usd
),

both_bases as (
    select
        venue,
        pool_id,
        'simulated_full_record' as basis,
        scenario,
        component,
        flow_usd
    from simulated_components
    union all
    select
        simulated_components.venue,
        simulated_components.pool_id,
        'published_scaled' as basis,
        simulated_components.scenario,
        simulated_components.component,
        simulated_components.flow_usd * venue_scale.scale_factor as flow_usd
    from simulated_components
    inner join venue_scale
        on simulated_components.venue = venue_scale.venue
        and simulated_components.scenario = venue_scale.scenario
),

final as (
    select
        both_bases.venue,
        both_bases.pool_id,
        pools.pool_name,
        pools.is_published_pool,
        both_bases.basis,
        both_bases.scenario,
        both_bases.component,
        both_bases.flow_usd
    from both_bases
    inner join pools
        on both_bases.pool_id = pools.pool_id
)

-- typed: one type per kind of column (macros/types.sql, README "Types")
select
    venue,
    pool_id,
    pool_name,
    is_published_pool,
    basis,
    scenario,
    component,
    {{ usd_amount('flow_usd') }} as flow_usd
from final
