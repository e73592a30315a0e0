-- Fails with one row per group whose low / central / high values are out of order:
--   scope totals of fct_exchange_fee_revenue (venue x basis x scope),
--   economic cost and relief-to-revenue ratio of fct_relief_to_revenue (program x basis x scope),
--   the undercount ratio, and every low/central/high triple of the reference seeds.
with

revenue_totals as (
    select
        'revenue_total' as what,
        venue || '/' || basis || '/' || scope as grp,
        sum(case when scenario = 'low' then revenue_usd end) as low_value,
        sum(case when scenario = 'central' then revenue_usd end) as central_value,
        sum(case when scenario = 'high' then revenue_usd end) as high_value
    from {{ ref('fct_exchange_fee_revenue') }}
    group by 1, 2
),

relief as (
    select
        'relief_' || metric as what,
        relief_program_id || '/' || basis || '/' || scope as grp,
        max(case when scenario = 'low' then metric_value end) as low_value,
        max(case when scenario = 'central' then metric_value end) as central_value,
        max(case when scenario = 'high' then metric_value end) as high_value
    from (
        select relief_program_id, basis, scope, scenario, 'economic_cost_usd' as metric, economic_cost_usd as metric_value
        from {{ ref('fct_relief_to_revenue') }}
        union all
        select relief_program_id, basis, scope, scenario, 'relief_to_revenue_ratio', relief_to_revenue_ratio
        from {{ ref('fct_relief_to_revenue') }}
    ) as long_form
    group by 1, 2
),

undercount as (
    select
        'undercount_ratio' as what,
        venue as grp,
        max(case when scenario = 'low' then undercount_ratio end) as low_value,
        max(case when scenario = 'central' then undercount_ratio end) as central_value,
        max(case when scenario = 'high' then undercount_ratio end) as high_value
    from {{ ref('int_public_feed_undercount') }}
    group by 1, 2
),

seeds as (
    select 'fee_schedules' as what, venue || '/' || fee_type || '/' || symbol as grp,
        rate_low as low_value, rate_central as central_value, rate_high as high_value
    from {{ ref('fee_schedules') }}
    union all
    select 'venue_liquidation_mechanisms', venue, surplus_share_low, surplus_share_central, surplus_share_high
    from {{ ref('venue_liquidation_mechanisms') }}
    union all
    select 'relief_programs', relief_program_id, face_value_low_usd, face_value_central_usd, face_value_high_usd
    from {{ ref('relief_programs') }}
    union all
    select 'relief_cost_assumptions', component || '/' || assumption, value_low, value_central, value_high
    from {{ ref('relief_cost_assumptions') }}
    union all
    select 'published_aggregates', aggregate_id, value_low_usd, value_central_usd, value_high_usd
    from {{ ref('published_aggregates') }}
    union all
    select 'insurance_fund_movements', venue, change_low_usd, change_central_usd, change_high_usd
    from {{ ref('insurance_fund_movements') }}
),

all_triples as (
    select * from revenue_totals
    union all select * from relief
    union all select * from undercount
    union all select * from seeds
)

-- a null triple (no value published, or a ratio over non-positive revenue) is not checked
select *
from all_triples
-- tolerance: sums of the same floats in a different order differ in the last bits
where low_value > central_value + 1e-9 * greatest(abs(central_value), 1)
    or central_value > high_value + 1e-9 * greatest(abs(high_value), 1)
