-- Fails with one row per venue x basis x scope x scenario whose components in
-- fct_exchange_fee_revenue do not sum to the total computed straight from the intermediate
-- models (per-fill sums, excess volume x fee rate var, published rescaling), or whose total in
-- fct_relief_to_revenue differs. Checks the scope wiring (narrow < medium < broad components)
-- and that no join fans out or drops rows.
with

fills as (
    select
        venue,
        scenario,
        sum(notional_usd) as notional_usd,
        sum(clearance_fee_usd + insurance_surplus_usd + insurance_payout_usd) as narrow_usd,
        sum(liquidation_taker_fee_usd) as taker_usd
    from {{ ref('int_liquidation_fills_revenue') }}
    group by 1, 2
),

rates as (
    select * from (values
        ('low', {{ var('revenue_excess_volume_fee_rate_low') }}),
        ('central', {{ var('revenue_excess_volume_fee_rate_central') }}),
        ('high', {{ var('revenue_excess_volume_fee_rate_high') }})
    ) as rates (scenario, fee_rate)
),

scales as (
    select
        undercount.venue,
        undercount.scenario,
        exchanges.published_liquidations_usd * undercount.undercount_ratio as estimated_notional_usd
    from {{ ref('int_public_feed_undercount') }} as undercount
    inner join {{ ref('exchanges') }} as exchanges
        on undercount.venue = exchanges.exchange_id
),

expected_simulated as (
    select
        fills.venue,
        fills.scenario,
        fills.notional_usd,
        fills.narrow_usd,
        fills.taker_usd,
        excess.excess_volume_usd * rates.fee_rate as volume_fee_usd
    from fills
    inner join {{ ref('int_venue_excess_volume') }} as excess on fills.venue = excess.venue
    inner join rates on fills.scenario = rates.scenario
),

expected as (
    select venue, 'simulated_full_record' as basis, scenario, 'narrow' as scope, narrow_usd as total_usd from expected_simulated
    union all
    select venue, 'simulated_full_record', scenario, 'medium', narrow_usd + taker_usd from expected_simulated
    union all
    select venue, 'simulated_full_record', scenario, 'broad', narrow_usd + taker_usd + volume_fee_usd from expected_simulated
    union all
    select e.venue, 'published_scaled', e.scenario, 'narrow',
        e.narrow_usd * s.estimated_notional_usd / e.notional_usd
    from expected_simulated as e inner join scales as s on e.venue = s.venue and e.scenario = s.scenario
    union all
    select e.venue, 'published_scaled', e.scenario, 'medium',
        (e.narrow_usd + e.taker_usd) * s.estimated_notional_usd / e.notional_usd
    from expected_simulated as e inner join scales as s on e.venue = s.venue and e.scenario = s.scenario
    union all
    select e.venue, 'published_scaled', e.scenario, 'broad',
        (e.narrow_usd + e.taker_usd) * s.estimated_notional_usd / e.notional_usd + e.volume_fee_usd
    from expected_simulated as e inner join scales as s on e.venue = s.venue and e.scenario = s.scenario
),

published_flows as (
    select venue, 'low' as scenario, change_low_usd as flow_usd from {{ ref('insurance_fund_movements') }}
    union all
    select venue, 'central', change_central_usd from {{ ref('insurance_fund_movements') }}
    union all
    select venue, 'high', change_high_usd from {{ ref('insurance_fund_movements') }}
    union all
    select venue, 'low', value_low_usd from {{ ref('published_aggregates') }} where metric = 'venue_earnings_usd'
    union all
    select venue, 'central', value_central_usd from {{ ref('published_aggregates') }} where metric = 'venue_earnings_usd'
    union all
    select venue, 'high', value_high_usd from {{ ref('published_aggregates') }} where metric = 'venue_earnings_usd'
),

expected_fund_flow as (
    select f.venue, 'published_fund_flow' as basis, f.scenario, 'narrow' as scope, f.flow_usd as total_usd
    from published_flows as f
    union all
    select f.venue, 'published_fund_flow', f.scenario, 'medium',
        f.flow_usd + e.taker_usd * s.estimated_notional_usd / e.notional_usd
    from published_flows as f
    inner join expected_simulated as e on f.venue = e.venue and f.scenario = e.scenario
    inner join scales as s on e.venue = s.venue and e.scenario = s.scenario
    union all
    select f.venue, 'published_fund_flow', f.scenario, 'broad',
        f.flow_usd + e.taker_usd * s.estimated_notional_usd / e.notional_usd + e.volume_fee_usd
    from published_flows as f
    inner join expected_simulated as e on f.venue = e.venue and f.scenario = e.scenario
    inner join scales as s on e.venue = s.venue and e.scenario = s.scenario
),

all_expected as (
    select * from expected
    union all
    select * from expected_fund_flow
),

actual as (
    select venue, basis, scenario, scope, sum(revenue_usd) as total_usd, count(*) as component_count
    from {{ ref('fct_exchange_fee_revenue') }}
    group by 1, 2, 3, 4
),

relief_totals as (
    select distinct venue, basis, revenue_scenario as scenario, scope, revenue_usd
    from {{ ref('fct_relief_to_revenue') }}
    where revenue_usd is not null
),

compared as (
    select
        coalesce(expected.venue, actual.venue) as venue,
        coalesce(expected.basis, actual.basis) as basis,
        coalesce(expected.scenario, actual.scenario) as scenario,
        coalesce(expected.scope, actual.scope) as scope,
        expected.total_usd as expected_usd,
        actual.total_usd as actual_usd,
        actual.component_count
    from all_expected as expected
    full outer join actual
        on expected.venue = actual.venue
        and expected.basis = actual.basis
        and expected.scenario = actual.scenario
        and expected.scope = actual.scope
)

select compared.*, relief_totals.revenue_usd as relief_mart_revenue_usd
from compared
left join relief_totals
    on compared.venue = relief_totals.venue
    and compared.basis = relief_totals.basis
    and compared.scenario = relief_totals.scenario
    and compared.scope = relief_totals.scope
where compared.expected_usd is null
    or compared.actual_usd is null
    or abs(compared.expected_usd - compared.actual_usd) > 1e-6 * greatest(abs(compared.expected_usd), 1)
    -- simulated bases: 3 / 4 / 5 components; published_fund_flow: the flow, + taker, + volume fee
    or compared.component_count <> case compared.scope when 'narrow' then 3 when 'medium' then 4 else 5 end
        - case when compared.basis = 'published_fund_flow' then 2 else 0 end
    or (relief_totals.revenue_usd is not null
        and abs(relief_totals.revenue_usd - actual_usd) > 1e-6 * greatest(abs(actual_usd), 1))
