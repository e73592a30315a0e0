{{ config(materialized='view') }}
-- One row per forced fill x scenario (low / central / high) with what the venue and its insurance
-- fund or backstop vault earned or paid on it, by the venue's mechanism
-- (seeds/reference/venue_liquidation_mechanisms.csv) and fee rates (seeds/reference/fee_schedules.csv).
-- A view (issue 17): the per-fill part, joins included, is the incremental table
-- int_liquidation_fill_terms; here each fill is crossed with the three scenarios and their rates
-- (lookups in tables of a few dozen rows) and the scenario's arithmetic is applied. Writing this
-- grain as a table (6.4M rows x 29 columns at scale 1) cost more than every reader computing it;
-- each reader computes only the columns it selects.
{#- The seeds' small tables, each written out where it is used (a subquery, not a CTE): DuckDB
    materialises a CTE read more than once, and a view holding one computes every column of
    every row for each reader, even one that counts rows (measured at scale 1: ~0.9 CPU s per
    read instead of ~0.4). -#}
{%- set scenarios -%}
(select * from (values ('low'), ('central'), ('high')) as scenario_values (scenario))
{%- endset -%}
{#- long form: one rate per venue x fee type x symbol ('*' = every other symbol) x scenario -#}
{%- set fee_rates -%}
(
        select venue, fee_type, symbol, 'low' as scenario, rate_low as rate
        from {{ ref('fee_schedules') }}
        union all
        select venue, fee_type, symbol, 'central' as scenario, rate_central as rate
        from {{ ref('fee_schedules') }}
        union all
        select venue, fee_type, symbol, 'high' as scenario, rate_high as rate
        from {{ ref('fee_schedules') }}
    )
{%- endset -%}
{%- set surplus_shares -%}
(
        select venue, 'low' as scenario, surplus_share_low as surplus_share,
            adl_loss_share_low as adl_loss_share
        from {{ ref('venue_liquidation_mechanisms') }}
        union all
        select venue, 'central' as scenario, surplus_share_central as surplus_share,
            adl_loss_share_central as adl_loss_share
        from {{ ref('venue_liquidation_mechanisms') }}
        union all
        select venue, 'high' as scenario, surplus_share_high as surplus_share,
            adl_loss_share_high as adl_loss_share
        from {{ ref('venue_liquidation_mechanisms') }}
    )
{%- endset %}
with

fill_terms as (
    select * from {{ ref('int_liquidation_fill_terms') }}
),

-- The scenario-dependent rates, once per venue x scenario (a few rows): taker fee, default
-- clearance fee ('*'), surplus and ADL shares. Venues are those of either seed; a venue without
-- a row gets the rates' fallback, 0.
venue_scenario_rates as (
    select
        venues.venue,
        scenarios.scenario,
        taker.rate as taker_fee_rate,
        clearance_default.rate as default_clearance_fee_rate,
        surplus_shares.surplus_share,
        surplus_shares.adl_loss_share
    from (
        select venue from {{ ref('fee_schedules') }}
        union
        select venue from {{ ref('venue_liquidation_mechanisms') }}
    ) as venues
    cross join {{ scenarios }} as scenarios
    left join {{ fee_rates }} as taker
        on venues.venue = taker.venue
        and taker.fee_type = 'taker'
        and taker.symbol = '*'
        and scenarios.scenario = taker.scenario
    left join {{ fee_rates }} as clearance_default
        on venues.venue = clearance_default.venue
        and clearance_default.fee_type = 'liquidation_clearance'
        and clearance_default.symbol = '*'
        and scenarios.scenario = clearance_default.scenario
    left join {{ surplus_shares }} as surplus_shares
        on venues.venue = surplus_shares.venue
        and scenarios.scenario = surplus_shares.scenario
),

-- The scenario's rates per venue x symbol of the reference seeds (exchanges x symbols, a few dozen
-- rows): the taker fee, the symbol's clearance fee (else the venue's default '*', else 0), the
-- surplus and ADL shares (0 without a row: no ADL assumption, the fund or vault pays the whole
-- loss); and what does not depend on the scenario but only on the market: the venue's mechanism
-- and the insurance fund or backstop vault the fills go to (the symbol's own pool, else the
-- venue's '*' pool). Every fill's venue and symbol are in those seeds: staging quarantines any other
-- (unknown_venue, unknown_symbol). Read from the seeds, not from the fills, so DuckDB plans the
-- join below with this small table as its build side.
market_scenario_rates as (
    select
        markets.venue,
        markets.symbol,
        scenarios.scenario,
        mechanisms.mechanism,
        coalesce(pool_symbol.pool_id, pool_default.pool_id) as insurance_pool_id,
        coalesce(venue_scenario_rates.taker_fee_rate, 0) as taker_fee_rate,
        coalesce(clearance_symbol.rate, venue_scenario_rates.default_clearance_fee_rate, 0)
            as clearance_fee_rate,
        coalesce(venue_scenario_rates.surplus_share, 0) as surplus_share,
        coalesce(venue_scenario_rates.adl_loss_share, 0) as adl_loss_share
    from (
        select exchanges.exchange_id as venue, symbols.symbol
        from {{ ref('exchanges') }} as exchanges
        cross join {{ ref('symbols') }} as symbols
    ) as markets
    cross join {{ scenarios }} as scenarios
    left join venue_scenario_rates
        on markets.venue = venue_scenario_rates.venue
        and scenarios.scenario = venue_scenario_rates.scenario
    left join {{ fee_rates }} as clearance_symbol
        on markets.venue = clearance_symbol.venue
        and clearance_symbol.fee_type = 'liquidation_clearance'
        and markets.symbol = clearance_symbol.symbol
        and scenarios.scenario = clearance_symbol.scenario
    left join {{ ref('venue_liquidation_mechanisms') }} as mechanisms
        on markets.venue = mechanisms.venue
    left join {{ ref('insurance_fund_pools') }} as pool_symbol
        on markets.venue = pool_symbol.venue
        and markets.symbol = pool_symbol.symbol
    left join {{ ref('insurance_fund_pools') }} as pool_default
        on markets.venue = pool_default.venue
        and pool_default.symbol = '*'
),

-- the grain: each fill x the three scenarios, by one join of the fills with their market's three
-- rows (above: every fill finds them). One lookup per fill in a table of a few dozen rows, where
-- crossing first and then looking the rates up probed two tables with every fill x scenario.
fills_with_terms as (
    select
        fill_terms.*,
        rates.scenario,
        rates.mechanism,
        rates.insurance_pool_id,
        rates.taker_fee_rate,
        rates.clearance_fee_rate,
        rates.surplus_share,
        rates.adl_loss_share,
        -- where the engine sold the depegged collateral, per scenario: 0 = at the published low,
        -- 1 = at the minute's path value (vars depeg_collateral_sale_point_*, dbt_project.yml)
        {%- set sale_point -%}
            case rates.scenario
                when 'low' then {{ var('depeg_collateral_sale_point_low') }}
                when 'central' then {{ var('depeg_collateral_sale_point_central') }}
                else {{ var('depeg_collateral_sale_point_high') }}
            end
        {%- endset %}
        coalesce(
            fill_terms.collateral_at_par_usd * (1 - (
                (1 - {{ sale_point }}) * fill_terms.low_price_ratio
                + {{ sale_point }} * fill_terms.path_price_ratio)),
            0
        ) as collateral_depeg_loss_usd,
        fill_terms.cross_margin_drained_usd * case rates.scenario
            when 'low' then {{ var('cross_margin_drain_scale_low') }}
            when 'central' then {{ var('cross_margin_drain_scale_central') }}
            else {{ var('cross_margin_drain_scale_high') }}
        end as cross_margin_drain_usd
    from fill_terms
    inner join market_scenario_rates as rates
        on fill_terms.venue = rates.venue
        and fill_terms.symbol = rates.symbol
),

-- the collateral's depeg loss and the cross-margin drain come off the margin left first;
-- beyond it, the fund pays
with_collateral as (
    select
        *,
        greatest(price_margin_left_usd + price_loss_beyond_bankruptcy_usd
            - collateral_depeg_loss_usd - cross_margin_drain_usd, 0) as margin_left_usd,
        least(price_margin_left_usd + price_loss_beyond_bankruptcy_usd
            - collateral_depeg_loss_usd - cross_margin_drain_usd, 0) as loss_beyond_bankruptcy_usd,
        -- the part of the loss beyond bankruptcy that only the collateral's depeg caused
        least(price_margin_left_usd + price_loss_beyond_bankruptcy_usd
            - collateral_depeg_loss_usd, 0) - price_loss_beyond_bankruptcy_usd
            as collateral_depeg_shortfall_usd,
        -- the further part the cross-margin drain caused (part of payout_beyond_bankruptcy in
        -- fct_insurance_fund_flows)
        least(price_margin_left_usd + price_loss_beyond_bankruptcy_usd
            - collateral_depeg_loss_usd - cross_margin_drain_usd, 0)
            - least(price_margin_left_usd + price_loss_beyond_bankruptcy_usd
                - collateral_depeg_loss_usd, 0)
            as cross_margin_drain_shortfall_usd
    from fills_with_terms
),

revenue as (
    select
        *,
        taker_fee_rate * notional_usd as liquidation_taker_fee_usd,
        -- the clearance fee cannot exceed the margin left at the fill
        least(clearance_fee_rate * notional_usd, margin_left_usd) as clearance_fee_usd
    from with_collateral
),

final as (
    select
        liquidation_id,
        scenario,
        position_id,
        venue,
        symbol,
        mechanism,
        is_long,
        quantity,
        price,
        notional_usd,
        is_shown_in_public_feed,
        bankruptcy_price,
        margin_left_usd,
        is_surplus_kept,
        insurance_pool_id,
        taker_fee_rate,
        clearance_fee_rate,
        surplus_share,
        adl_loss_share,
        liquidation_taker_fee_usd,
        clearance_fee_usd,
        case when is_surplus_kept
            then surplus_share * (margin_left_usd - clearance_fee_usd)
            else 0
        end as insurance_surplus_usd,
        loss_beyond_bankruptcy_usd,
        collateral_depeg_loss_usd,
        collateral_depeg_shortfall_usd,
        cross_margin_drain_usd,
        cross_margin_drain_shortfall_usd,
        -- the part of the loss beyond bankruptcy the fund or vault pays; ADL passes the rest to
        -- profitable counterparties (not the venue's money)
        loss_beyond_bankruptcy_usd - adl_loss_share * loss_beyond_bankruptcy_usd as insurance_payout_usd,
        trader_margin_posted_usd,
        -- what the liquidated trader lost: the margin posted on the liquidated amount minus
        -- what came back (the margin left after the clearance fee and what the fund or vault
        -- kept; nothing comes back from a fill beyond bankruptcy)
        trader_margin_posted_usd - greatest(
            margin_left_usd - clearance_fee_usd
            - case when is_surplus_kept then surplus_share * (margin_left_usd - clearance_fee_usd) else 0 end,
            0
        ) as trader_margin_lost_usd,
        -- when the fill's row in int_liquidation_fill_terms was (re)computed
        loaded_at
    from revenue
)

select * from final
