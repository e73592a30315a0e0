-- Ledger (c), relief and compensation: one row per program component x scenario, each program
-- apart with its payer, kind, face value, economic cost and liability stance. Economic cost:
-- vouchers = face x the share redeemed; cash and airdrops = face; loans = face x (interest
-- subsidy x term + expected default rate) (seed relief_cost_assumptions). `relief_kind` keeps
-- relief for users hurt by the market (Binance's $400M Together: $300M vouchers + $100M loans)
-- apart from remediation of the venue's own failure (Binance's ~$283M depeg compensation for
-- collateral it priced from its own order books) and an affiliate's airdrop (BNB Chain's $45M
-- Reload): never added across kinds.
with

relief_programs as (
    {{ select_money_as_double(ref('relief_programs')) }}
),

cost_assumptions as (
    select * from {{ ref('relief_cost_assumptions') }}
),

scenarios as (
    select * from (values ('low'), ('central'), ('high')) as scenarios (scenario)
),

assumptions_long as (
    select component, assumption, 'low' as scenario, value_low as assumption_value from cost_assumptions
    union all
    select component, assumption, 'central' as scenario, value_central as assumption_value from cost_assumptions
    union all
    select component, assumption, 'high' as scenario, value_high as assumption_value from cost_assumptions
),

assumptions_wide as (
    select
        component,
        scenario,
        max(case when assumption = 'economic_cost_rate' then assumption_value end) as economic_cost_rate,
        max(case when assumption = 'interest_subsidy_rate' then assumption_value end) as interest_subsidy_rate,
        max(case when assumption = 'expected_default_rate' then assumption_value end) as expected_default_rate,
        max(case when assumption = 'term_years' then assumption_value end) as term_years
    from assumptions_long
    group by 1, 2
),

program_costs as (
    select
        relief_programs.relief_program_id,
        relief_programs.venue,
        relief_programs.payer,
        relief_programs.program_name,
        relief_programs.component,
        relief_programs.relief_kind,
        relief_programs.announced_on,
        relief_programs.is_loan,
        relief_programs.is_liability_accepted,
        relief_programs.is_exchange_funded,
        scenarios.scenario,
        case scenarios.scenario
            when 'low' then relief_programs.face_value_low_usd
            when 'central' then relief_programs.face_value_central_usd
            when 'high' then relief_programs.face_value_high_usd
        end as face_value_usd,
        assumptions_wide.economic_cost_rate,
        assumptions_wide.interest_subsidy_rate,
        assumptions_wide.expected_default_rate,
        assumptions_wide.term_years,
        relief_programs.source
    from relief_programs
    cross join scenarios
    left join assumptions_wide
        on relief_programs.component = assumptions_wide.component
        and scenarios.scenario = assumptions_wide.scenario
),

final as (
    select
        *,
        case when is_loan
            then face_value_usd * (interest_subsidy_rate * term_years + expected_default_rate)
            else face_value_usd * economic_cost_rate
        end as economic_cost_usd
    from program_costs
)

-- typed: one type per kind of column (macros/types.sql, README "Types")
select
    relief_program_id,
    venue,
    payer,
    program_name,
    component,
    relief_kind,
    announced_on,
    is_loan,
    is_liability_accepted,
    is_exchange_funded,
    scenario,
    {{ usd_amount('face_value_usd') }} as face_value_usd,
    {{ measure_value('economic_cost_rate') }} as economic_cost_rate,
    {{ measure_value('interest_subsidy_rate') }} as interest_subsidy_rate,
    {{ measure_value('expected_default_rate') }} as expected_default_rate,
    {{ measure_value('term_years') }} as term_years,
    source,
    {{ usd_amount('economic_cost_usd') }} as economic_cost_usd
from final
