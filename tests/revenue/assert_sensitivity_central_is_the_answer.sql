-- Fails with each program whose sensitivity table, at every input central, does not give the
-- central published_scaled ratio of fct_relief_to_fee_income: the tornado must pivot on the
-- headline's own number.
with

sensitivity as (
    select distinct venue, program_name, ratio_at_central
    from {{ ref('fct_relief_ratio_sensitivity') }}
),

answer as (
    select venue, program_name, relief_to_fee_income_ratio
    from {{ ref('fct_relief_to_fee_income') }}
    where basis = 'published_scaled' and scenario = 'central'
),

final as (
    select
        sensitivity.venue,
        sensitivity.program_name,
        sensitivity.ratio_at_central,
        answer.relief_to_fee_income_ratio
    from sensitivity
    left join answer
        on sensitivity.venue = answer.venue
        and sensitivity.program_name = answer.program_name
    where answer.relief_to_fee_income_ratio is null
        or abs(sensitivity.ratio_at_central - answer.relief_to_fee_income_ratio)
            > 1e-9 * answer.relief_to_fee_income_ratio
)

select * from final
