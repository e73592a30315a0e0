-- Each relief program set against the venue's exchange fee income from the event: one row per
-- venue x program x basis x scenario. `relief_to_fee_income_ratio` = the program's economic
-- cost (its components summed, fct_relief_programs) / the venue's fee income (fees on forced
-- fills + on the day's excess volume, fct_exchange_fee_income). The scenario is that of the
-- RATIO: `low` pairs the lowest cost with the highest fee income, `high` the highest cost with
-- the lowest (`fee_income_scenario` says which). Beside it, never added to it: what the
-- liquidated users lost on the venue (their margin on the liquidated amount minus what came
-- back). Programs of venues not modelled (dYdX, Lighter) keep their cost with a null income.
with

programs as (
    {{ select_money_as_double(ref('fct_relief_programs')) }}
),

fee_income as (
    {{ select_money_as_double(ref('fct_exchange_fee_income')) }}
),

fill_revenue as (
    select * from {{ ref('int_liquidation_fills_revenue') }}
),

undercount as (
    select * from {{ ref('int_public_feed_undercount') }}
),

scenarios as (
    select * from (values
        ('low', 'high'),
        ('central', 'central'),
        ('high', 'low')
    ) as scenarios (scenario, fee_income_scenario)
),

program_totals as (
    select
        venue,
        program_name,
        relief_kind,
        payer,
        bool_and(is_exchange_funded) as is_exchange_funded,
        bool_or(is_liability_accepted) as is_liability_accepted,
        scenario,
        sum(face_value_usd) as face_value_usd,
        sum(economic_cost_usd) as economic_cost_usd
    from programs
    group by 1, 2, 3, 4, 7
),

fee_income_totals as (
    select venue, basis, scenario, sum(fee_income_usd) as fee_income_usd
    from fee_income
    group by 1, 2, 3
),

bases as (
    select distinct basis from fee_income
),

-- users' losses per venue and basis (published_scaled: rescaled like the fee ledger)
simulated_losses as (
    select
        venue,
        scenario,
        sum(trader_margin_lost_usd) as lost_margin_usd,
        sum(notional_usd) as liquidated_notional_usd
    from fill_revenue
    group by 1, 2
),

user_losses as (
    select venue, 'simulated_full_record' as basis, scenario, lost_margin_usd
    from simulated_losses
    union all
    select
        simulated_losses.venue,
        'published_scaled' as basis,
        simulated_losses.scenario,
        simulated_losses.lost_margin_usd * undercount.estimated_liquidated_notional_usd
        / nullif(simulated_losses.liquidated_notional_usd, 0)
    from simulated_losses
    inner join undercount
        on simulated_losses.venue = undercount.venue
        and simulated_losses.scenario = undercount.scenario
),

final as (
    select
        program_totals.venue,
        program_totals.program_name,
        program_totals.relief_kind,
        program_totals.payer,
        program_totals.is_exchange_funded,
        program_totals.is_liability_accepted,
        bases.basis,
        program_totals.scenario,
        scenarios.fee_income_scenario,
        program_totals.face_value_usd,
        program_totals.economic_cost_usd,
        fee_income_totals.fee_income_usd,
        program_totals.economic_cost_usd
            / case when fee_income_totals.fee_income_usd > 0 then fee_income_totals.fee_income_usd end
            as relief_to_fee_income_ratio,
        user_losses.lost_margin_usd as liquidated_users_lost_margin_usd
    from program_totals
    inner join scenarios
        on program_totals.scenario = scenarios.scenario
    cross join bases
    left join fee_income_totals
        on program_totals.venue = fee_income_totals.venue
        and bases.basis = fee_income_totals.basis
        and scenarios.fee_income_scenario = fee_income_totals.scenario
    left join user_losses
        on program_totals.venue = user_losses.venue
        and bases.basis = user_losses.basis
        and program_totals.scenario = user_losses.scenario
)

-- typed: one type per kind of column (macros/types.sql, README "Types")
select
    venue,
    program_name,
    relief_kind,
    payer,
    is_exchange_funded,
    is_liability_accepted,
    basis,
    scenario,
    fee_income_scenario,
    {{ usd_amount('face_value_usd') }} as face_value_usd,
    {{ usd_amount('economic_cost_usd') }} as economic_cost_usd,
    {{ usd_amount('fee_income_usd') }} as fee_income_usd,
    {{ measure_value('relief_to_fee_income_ratio') }} as relief_to_fee_income_ratio,
    {{ usd_amount('liquidated_users_lost_margin_usd') }} as liquidated_users_lost_margin_usd
from final
