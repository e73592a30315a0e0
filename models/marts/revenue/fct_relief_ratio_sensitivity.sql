-- What moves the answer: for each venue's exchange-funded relief (relief_kind = 'relief', e.g.
-- Binance's $400M Together), the relief / fee income ratio on the published_scaled basis with
-- every input at its central value except ONE factor, set to its low and then its high value.
-- One row per venue x program x factor; `ratio_swing` = |ratio at high - ratio at low| ranks the
-- factors (`sensitivity_rank` 1 = moves the ratio most). Factors: the public-feed undercount
-- (CoinGlass's 30-40 bn anchor), the venue's share of the day's volume, the fee-tier mix (fee
-- per USD of excess volume), the taker fee on forced fills, the share of vouchers redeemed, the
-- loans' interest subsidy, expected defaults and term. Fill placement inside the minute bar moves the
-- insurance-fund ledger, not this ratio (fct_insurance_fund_flows; README "Calibration").
with

programs as (
    {{ select_money_as_double(ref('fct_relief_programs')) }}
    where relief_kind = 'relief' and is_exchange_funded
),

undercount as (
    select * from {{ ref('int_public_feed_undercount') }}
),

excess_volume as (
    select * from {{ ref('int_venue_excess_volume') }}
),

fee_schedules as (
    select * from {{ ref('fee_schedules') }}
    where fee_type = 'taker' and symbol = '*'
),

levels as (
    select * from (values ('low'), ('central'), ('high')) as levels (level)
),

-- every input of the ratio, per venue (or program component) and level
inputs as (
    select venue, 'undercount' as factor, level,
        estimated_liquidated_notional_usd as input_value
    from undercount
    inner join levels on undercount.scenario = levels.level
    union all
    select venue, 'volume_share', scenario,
        greatest(day_volume_usd - average_day_volume_usd, 0) * volume_share
    from excess_volume
    union all
    select venue, 'taker_fee_rate', levels.level,
        case levels.level when 'low' then rate_low when 'central' then rate_central else rate_high end
    from fee_schedules
    cross join levels
    union all
    select venue_rows.venue, 'fee_tier_mix', levels.level,
        case levels.level
            when 'low' then {{ var('revenue_excess_volume_fee_rate_low') }}
            when 'central' then {{ var('revenue_excess_volume_fee_rate_central') }}
            else {{ var('revenue_excess_volume_fee_rate_high') }}
        end
    from (select distinct venue from programs) as venue_rows
    cross join levels
),

factors as (
    select distinct factor from inputs
    union all
    select * from (values ('voucher_redemption'), ('loan_interest_subsidy'), ('loan_default_rate'),
        ('loan_term')) as cost_factors (factor)
),

-- a program's economic cost with one cost factor moved (the others central)
program_costs as (
    select
        programs_central.venue,
        programs_central.program_name,
        factors.factor,
        levels.level,
        sum(
            case
                when programs_central.is_loan then programs_central.face_value_usd * (
                    case when factors.factor = 'loan_interest_subsidy' then moved.interest_subsidy_rate
                        else programs_central.interest_subsidy_rate end
                    * case when factors.factor = 'loan_term' then moved.term_years
                        else programs_central.term_years end
                    + case when factors.factor = 'loan_default_rate' then moved.expected_default_rate
                        else programs_central.expected_default_rate end)
                else programs_central.face_value_usd
                    * case when factors.factor = 'voucher_redemption' and programs_central.component = 'token_vouchers'
                        then moved.economic_cost_rate else programs_central.economic_cost_rate end
            end
        ) as economic_cost_usd
    from programs as programs_central
    cross join factors
    cross join levels
    inner join programs as moved
        on programs_central.relief_program_id = moved.relief_program_id
        and moved.scenario = levels.level
    where programs_central.scenario = 'central'
    group by 1, 2, 3, 4
),

-- the venue's fee income with one income factor moved (the others central)
fee_incomes as (
    select
        venue_factors.venue,
        venue_factors.factor,
        levels.level,
        notional.input_value * taker.input_value
        + greatest(excess.input_value - notional.input_value, 0) * tier.input_value as fee_income_usd
    from (select distinct programs.venue, factors.factor from programs cross join factors) as venue_factors
    cross join levels
    inner join inputs as notional
        on notional.venue = venue_factors.venue and notional.factor = 'undercount'
        and notional.level = case when venue_factors.factor = 'undercount' then levels.level else 'central' end
    inner join inputs as excess
        on excess.venue = venue_factors.venue and excess.factor = 'volume_share'
        and excess.level = case when venue_factors.factor = 'volume_share' then levels.level else 'central' end
    inner join inputs as taker
        on taker.venue = venue_factors.venue and taker.factor = 'taker_fee_rate'
        and taker.level = case when venue_factors.factor = 'taker_fee_rate' then levels.level else 'central' end
    inner join inputs as tier
        on tier.venue = venue_factors.venue and tier.factor = 'fee_tier_mix'
        and tier.level = case when venue_factors.factor = 'fee_tier_mix' then levels.level else 'central' end
),

ratios as (
    select
        program_costs.venue,
        program_costs.program_name,
        program_costs.factor,
        max(case when program_costs.level = 'low' then program_costs.economic_cost_usd / fee_incomes.fee_income_usd end)
            as ratio_at_low,
        max(case when program_costs.level = 'central' then program_costs.economic_cost_usd / fee_incomes.fee_income_usd end)
            as ratio_at_central,
        max(case when program_costs.level = 'high' then program_costs.economic_cost_usd / fee_incomes.fee_income_usd end)
            as ratio_at_high
    from program_costs
    inner join fee_incomes
        on program_costs.venue = fee_incomes.venue
        and program_costs.factor = fee_incomes.factor
        and program_costs.level = fee_incomes.level
    group by 1, 2, 3
),

final as (
    select
        venue,
        program_name,
        factor,
        ratio_at_low,
        ratio_at_central,
        ratio_at_high,
        abs(ratio_at_high - ratio_at_low) as ratio_swing,
        cast(row_number() over (
            partition by venue, program_name order by abs(ratio_at_high - ratio_at_low) desc, factor
        ) as {{ dbt.type_bigint() }}) as sensitivity_rank
    from ratios
)

-- typed: one type per kind of column (macros/types.sql, README "Types")
select
    venue,
    program_name,
    factor,
    {{ measure_value('ratio_at_low') }} as ratio_at_low,
    {{ measure_value('ratio_at_central') }} as ratio_at_central,
    {{ measure_value('ratio_at_high') }} as ratio_at_high,
    {{ measure_value('ratio_swing') }} as ratio_swing,
    {{ count_value('sensitivity_rank') }} as sensitivity_rank
from final
