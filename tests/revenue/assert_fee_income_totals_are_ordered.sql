-- Fails with each venue x basis whose fee income is not ordered low <= central <= high, and each
-- venue x program x basis whose relief / fee income ratio is not (the scenarios move every input
-- of a ledger the same way, so an inversion is a wiring error). Equal scenarios (a venue whose
-- rates do not vary) may differ in their last bits, as DuckDB sums in no fixed order: a relative
-- tolerance of 1e-9 absorbs that and nothing else.
with

income as (
    select venue, basis, scenario, sum(fee_income_usd) as fee_income_usd
    from {{ ref('fct_exchange_fee_income') }}
    group by 1, 2, 3
),

income_pivot as (
    select
        venue,
        basis,
        max(case when scenario = 'low' then fee_income_usd end) as low_value,
        max(case when scenario = 'central' then fee_income_usd end) as central_value,
        max(case when scenario = 'high' then fee_income_usd end) as high_value
    from income
    group by 1, 2
),

ratio_pivot as (
    select
        venue || ' / ' || program_name as venue,
        basis,
        max(case when scenario = 'low' then relief_to_fee_income_ratio end) as low_value,
        max(case when scenario = 'central' then relief_to_fee_income_ratio end) as central_value,
        max(case when scenario = 'high' then relief_to_fee_income_ratio end) as high_value
    from {{ ref('fct_relief_to_fee_income') }}
    where relief_to_fee_income_ratio is not null
    group by 1, 2
),

final as (
    select 'fee income' as measure, * from income_pivot
    where not (low_value <= central_value * (1 + 1e-9) and central_value <= high_value * (1 + 1e-9))
    union all
    select 'relief / fee income' as measure, * from ratio_pivot
    where not (low_value <= central_value * (1 + 1e-9) and central_value <= high_value * (1 + 1e-9))
)

select * from final
