-- One row per venue x basis x scope x scenario x revenue component: what the venue (and its
-- insurance fund or backstop vault) earned from the cascade. Scopes are cumulative: narrow =
-- clearance fee + insurance surplus + insurance payout (negative); medium adds the taker fee on
-- liquidation fills; broad adds fees on the day's excess trading volume. Basis
-- `simulated_full_record` sums every simulated fill; `published_scaled` rescales the liquidation
-- components to the venue's published 24h total x the public-feed undercount ratio;
-- `published_fund_flow` (venues whose fund or vault published its result) replaces the modelled
-- fund flow (clearance fee + surplus + payouts) by the published one and keeps the
-- published_scaled taker and excess-volume fees.
with

fill_revenue as (
    select * from {{ ref('int_liquidation_fills_revenue') }}
),

excess_volume as (
    select * from {{ ref('int_venue_excess_volume') }}
),

undercount as (
    select * from {{ ref('int_public_feed_undercount') }}
),

exchanges as (
    select * from {{ ref('exchanges') }}
),

published_flows as (
    select * from {{ ref('int_published_fund_flows') }}
),

scope_components as (
    select * from (values
        ('narrow', 'clearance_fee'),
        ('narrow', 'insurance_surplus'),
        ('narrow', 'insurance_payout'),
        ('medium', 'clearance_fee'),
        ('medium', 'insurance_surplus'),
        ('medium', 'insurance_payout'),
        ('medium', 'liquidation_taker_fee'),
        ('broad', 'clearance_fee'),
        ('broad', 'insurance_surplus'),
        ('broad', 'insurance_payout'),
        ('broad', 'liquidation_taker_fee'),
        ('broad', 'excess_volume_fee'),
        ('narrow', 'published_fund_flow'),
        ('medium', 'published_fund_flow'),
        ('broad', 'published_fund_flow')
    ) as scope_components (scope, component)
),

excess_volume_fee_rates as (
    select * from (values
        ('low', {{ var('revenue_excess_volume_fee_rate_low') }}),
        ('central', {{ var('revenue_excess_volume_fee_rate_central') }}),
        ('high', {{ var('revenue_excess_volume_fee_rate_high') }})
    ) as excess_volume_fee_rates (scenario, fee_rate)
),

venue_scenario_sums as (
    select
        venue,
        scenario,
        sum(notional_usd) as liquidated_notional_usd,
        sum(clearance_fee_usd) as clearance_fee_usd,
        sum(insurance_surplus_usd) as insurance_surplus_usd,
        sum(insurance_payout_usd) as insurance_payout_usd,
        sum(liquidation_taker_fee_usd) as liquidation_taker_fee_usd
    from fill_revenue
    group by 1, 2
),

simulated_components as (
    select venue, scenario, liquidated_notional_usd, 'clearance_fee' as component,
        clearance_fee_usd as revenue_usd, true as is_liquidation_component
    from venue_scenario_sums
    union all
    select venue, scenario, liquidated_notional_usd, 'insurance_surplus' as component,
        insurance_surplus_usd as revenue_usd, true as is_liquidation_component
    from venue_scenario_sums
    union all
    select venue, scenario, liquidated_notional_usd, 'insurance_payout' as component,
        insurance_payout_usd as revenue_usd, true as is_liquidation_component
    from venue_scenario_sums
    union all
    select venue, scenario, liquidated_notional_usd, 'liquidation_taker_fee' as component,
        liquidation_taker_fee_usd as revenue_usd, true as is_liquidation_component
    from venue_scenario_sums
    union all
    select
        venue_scenario_sums.venue,
        venue_scenario_sums.scenario,
        venue_scenario_sums.liquidated_notional_usd,
        'excess_volume_fee' as component,
        excess_volume.excess_volume_usd * excess_volume_fee_rates.fee_rate as revenue_usd,
        false as is_liquidation_component
    from venue_scenario_sums
    inner join excess_volume
        on venue_scenario_sums.venue = excess_volume.venue
    inner join excess_volume_fee_rates
        on venue_scenario_sums.scenario = excess_volume_fee_rates.scenario
),

-- the liquidated notional the venue really had, estimated from its published total: the
-- published figure x the undercount ratio (1 where the public feed shows every fill)
scale_factors as (
    select
        undercount.venue,
        undercount.scenario,
        undercount.undercount_ratio,
        exchanges.published_liquidations_usd * undercount.undercount_ratio
            as estimated_liquidated_notional_usd
    from undercount
    inner join exchanges
        on undercount.venue = exchanges.exchange_id
),

both_bases as (
    select
        venue,
        'simulated_full_record' as basis,
        scenario,
        component,
        is_liquidation_component,
        liquidated_notional_usd,
        cast(null as {{ type_double() }}) as undercount_ratio,
        revenue_usd
    from simulated_components
    union all
    select
        simulated_components.venue,
        'published_scaled' as basis,
        simulated_components.scenario,
        simulated_components.component,
        simulated_components.is_liquidation_component,
        scale_factors.estimated_liquidated_notional_usd as liquidated_notional_usd,
        scale_factors.undercount_ratio,
        -- revenue per simulated liquidated USD x the estimated real liquidated notional; the
        -- excess-volume fee does not depend on liquidations and is not rescaled
        case when simulated_components.is_liquidation_component
            then simulated_components.revenue_usd
            * scale_factors.estimated_liquidated_notional_usd
            / nullif(simulated_components.liquidated_notional_usd, 0)
            else simulated_components.revenue_usd
        end as revenue_usd
    from simulated_components
    inner join scale_factors
        on simulated_components.venue = scale_factors.venue
        and simulated_components.scenario = scale_factors.scenario
),

-- the fund's or vault's published result (int_published_fund_flows), one row per scenario
published_flow_scenarios as (
    select venue, 'low' as scenario, low_usd as flow_usd from published_flows
    union all
    select venue, 'central', central_usd from published_flows
    union all
    select venue, 'high', high_usd from published_flows
),

published_fund_flow_basis as (
    select
        published_scaled.venue,
        'published_fund_flow' as basis,
        published_scaled.scenario,
        'published_fund_flow' as component,
        true as is_liquidation_component,
        published_scaled.liquidated_notional_usd,
        published_scaled.undercount_ratio,
        published_flow_scenarios.flow_usd as revenue_usd
    from both_bases as published_scaled
    inner join published_flow_scenarios
        on published_scaled.venue = published_flow_scenarios.venue
        and published_scaled.scenario = published_flow_scenarios.scenario
    where published_scaled.basis = 'published_scaled'
        -- one row per venue x scenario: the flow does not depend on the component
        and published_scaled.component = 'liquidation_taker_fee'
    union all
    select
        venue, 'published_fund_flow', scenario, component, is_liquidation_component,
        liquidated_notional_usd, undercount_ratio, revenue_usd
    from both_bases
    where basis = 'published_scaled'
        and component in ('liquidation_taker_fee', 'excess_volume_fee')
        and venue in (select venue from published_flows)
),

all_bases as (
    select * from both_bases
    union all
    select * from published_fund_flow_basis
),

final as (
    select
        both_bases.venue,
        both_bases.basis,
        scope_components.scope,
        both_bases.scenario,
        both_bases.component,
        both_bases.is_liquidation_component,
        both_bases.liquidated_notional_usd,
        both_bases.undercount_ratio,
        both_bases.revenue_usd
    from all_bases as both_bases
    inner join scope_components
        on both_bases.component = scope_components.component
)

select * from final
