-- One row per relief program component x basis x scope x scenario: its face value, its economic
-- cost (a loan costs its interest subsidy and expected defaults, not its face value), the venue's
-- revenue from the cascade, and relief / revenue. The scenario is that of the RATIO: `low` pairs
-- the lowest relief cost with the highest revenue, `high` the highest cost with the lowest revenue
-- (`revenue_scenario` says which revenue scenario was used).
with

relief_programs as (
    select * from {{ ref('relief_programs') }}
),

cost_assumptions as (
    select * from {{ ref('relief_cost_assumptions') }}
),

fee_revenue as (
    select * from {{ ref('fct_exchange_fee_revenue') }}
),

scenarios as (
    select * from (values
        ('low', 'high'),
        ('central', 'central'),
        ('high', 'low')
    ) as scenarios (scenario, revenue_scenario)
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

relief_costs as (
    select
        relief_programs.relief_program_id,
        relief_programs.venue,
        relief_programs.payer,
        relief_programs.program_name,
        relief_programs.component,
        relief_programs.is_loan,
        relief_programs.is_liability_accepted,
        relief_programs.is_exchange_funded,
        scenarios.scenario,
        scenarios.revenue_scenario,
        case scenarios.scenario
            when 'low' then relief_programs.face_value_low_usd
            when 'central' then relief_programs.face_value_central_usd
            when 'high' then relief_programs.face_value_high_usd
        end as face_value_usd,
        assumptions_wide.economic_cost_rate,
        assumptions_wide.interest_subsidy_rate,
        assumptions_wide.expected_default_rate,
        assumptions_wide.term_years
    from relief_programs
    cross join scenarios
    left join assumptions_wide
        on relief_programs.component = assumptions_wide.component
        and scenarios.scenario = assumptions_wide.scenario
),

relief_economic_costs as (
    select
        *,
        case when is_loan
            then face_value_usd * (interest_subsidy_rate * term_years + expected_default_rate)
            else face_value_usd * economic_cost_rate
        end as economic_cost_usd
    from relief_costs
),

revenue_totals as (
    select
        venue,
        basis,
        scope,
        scenario,
        sum(revenue_usd) as revenue_usd
    from fee_revenue
    group by 1, 2, 3, 4
),

bases_scopes as (
    select distinct basis, scope from fee_revenue
),

final as (
    select
        relief_economic_costs.relief_program_id,
        relief_economic_costs.venue,
        relief_economic_costs.payer,
        relief_economic_costs.program_name,
        relief_economic_costs.component,
        relief_economic_costs.is_loan,
        relief_economic_costs.is_liability_accepted,
        relief_economic_costs.is_exchange_funded,
        bases_scopes.basis,
        bases_scopes.scope,
        relief_economic_costs.scenario,
        relief_economic_costs.revenue_scenario,
        relief_economic_costs.face_value_usd,
        relief_economic_costs.economic_cost_usd,
        revenue_totals.revenue_usd,
        -- a ratio over zero or negative revenue (net insurance outflow) has no meaning: null
        relief_economic_costs.economic_cost_usd / case when revenue_totals.revenue_usd > 0
            then revenue_totals.revenue_usd end as relief_to_revenue_ratio,
        relief_economic_costs.face_value_usd / case when revenue_totals.revenue_usd > 0
            then revenue_totals.revenue_usd end as face_value_to_revenue_ratio
    from relief_economic_costs
    cross join bases_scopes
    -- left join: relief programs of venues the warehouse does not model (dYdX, Lighter) keep
    -- their costs with a null revenue
    left join revenue_totals
        on relief_economic_costs.venue = revenue_totals.venue
        and bases_scopes.basis = revenue_totals.basis
        and bases_scopes.scope = revenue_totals.scope
        and relief_economic_costs.revenue_scenario = revenue_totals.scenario
)

select * from final
