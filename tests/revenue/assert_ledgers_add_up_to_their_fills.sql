-- Fails with each venue x pool (or venue) x scenario where a ledger's simulated_full_record rows
-- do not add up to the per-fill economics they come from (a join that fans out or drops rows):
-- the fund flows to clearance fees + margin kept + payouts after ADL + unwind P&L + explicit ADL
-- fills (int_adl_fills), the taker fee
-- income to the fills' taker fees.
with

fills as (
    select
        venue,
        insurance_pool_id as pool_id,
        scenario,
        sum(clearance_fee_usd + insurance_surplus_usd + insurance_payout_usd) as fill_flow_usd,
        sum(liquidation_taker_fee_usd) as taker_fee_usd
    from {{ ref('int_liquidation_fills_revenue') }}
    group by 1, 2, 3
),

unwinds as (
    select venue, insurance_pool_id as pool_id, scenario, sum(unwind_pnl_usd) as unwind_pnl_usd
    from {{ ref('int_backstop_unwinds') }}
    group by 1, 2, 3
),

adl as (
    select venue, insurance_pool_id as pool_id, scenario, sum(adl_flow_usd) as adl_flow_usd
    from {{ ref('int_adl_fills') }}
    group by 1, 2, 3
),

expected_flows as (
    select
        fills.venue,
        fills.pool_id,
        fills.scenario,
        fills.fill_flow_usd + coalesce(unwinds.unwind_pnl_usd, 0)
            + coalesce(adl.adl_flow_usd, 0) as flow_usd
    from fills
    left join unwinds
        on fills.venue = unwinds.venue
        and fills.pool_id = unwinds.pool_id
        and fills.scenario = unwinds.scenario
    left join adl
        on fills.venue = adl.venue
        and fills.pool_id = adl.pool_id
        and fills.scenario = adl.scenario
),

ledger_flows as (
    select venue, pool_id, scenario, sum(flow_usd) as flow_usd
    from {{ ref('fct_insurance_fund_flows') }}
    where basis = 'simulated_full_record'
    group by 1, 2, 3
),

expected_taker as (
    select venue, scenario, sum(taker_fee_usd) as taker_fee_usd from fills group by 1, 2
),

ledger_taker as (
    select venue, scenario, sum(fee_income_usd) as taker_fee_usd
    from {{ ref('fct_exchange_fee_income') }}
    where basis = 'simulated_full_record' and component = 'liquidation_taker_fee'
    group by 1, 2
),

final as (
    select
        'fund flow' as ledger,
        coalesce(e.venue, l.venue) as venue,
        coalesce(e.pool_id, l.pool_id) as pool_id,
        coalesce(e.scenario, l.scenario) as scenario,
        e.flow_usd as expected_usd,
        l.flow_usd as ledger_usd
    from expected_flows as e
    full outer join ledger_flows as l
        on e.venue = l.venue and e.pool_id = l.pool_id and e.scenario = l.scenario
    where e.flow_usd is null or l.flow_usd is null
        or abs(e.flow_usd - l.flow_usd) > 1e-6 * greatest(abs(e.flow_usd), 1)
    union all
    select
        'fee income',
        coalesce(e.venue, l.venue),
        null,
        coalesce(e.scenario, l.scenario),
        e.taker_fee_usd,
        l.taker_fee_usd
    from expected_taker as e
    full outer join ledger_taker as l
        on e.venue = l.venue and e.scenario = l.scenario
    where e.taker_fee_usd is null or l.taker_fee_usd is null
        or abs(e.taker_fee_usd - l.taker_fee_usd) > 1e-6 * greatest(abs(e.taker_fee_usd), 1)
)

select * from final
