{{ config(
    materialized=incremental_materialization(),
    incremental_strategy=incremental_strategy('delete+insert'),
    unique_key=['liquidation_id', 'scenario'],
    on_schema_change='fail',
    post_hook="{{ incremental_prune_missing_keys(ref('stg_simulator__liquidations'), 'liquidation_id', rows_per_key=3, upstream_filter='position_id in (select position_id from ' ~ ref('int_positions_with_liquidation_prices') ~ ')') }}"
) }}
-- One row per forced fill x scenario (low / central / high) with what the venue and its insurance
-- fund or backstop vault earned or paid on it, by the venue's mechanism
-- (seeds/reference/venue_liquidation_mechanisms.csv) and fee rates (seeds/reference/fee_schedules.csv).
-- A table, incremental (macros/incremental): every revenue mart and test reads its 3 rows per
-- fill. A run recomputes the fills loaded since this table's last load and the fills of
-- positions loaded since (a re-read position may carry another bankruptcy price); fills that
-- left staging are pruned. A change to the fee or mechanism seeds, or a changed collateral or
-- cross-margin drain file under unchanged fills and positions, needs --full-refresh (the daily
-- run does one).
with

positions as (
    select * from {{ ref('int_positions_with_liquidation_prices') }}
),

liquidations as (
    select * from {{ ref('stg_simulator__liquidations') }} as stg
    {%- if is_incremental() %}
    where stg.loaded_at > (select max(loaded_at) from {{ this }})
        or stg.position_id in (
            select position_id from positions
            where loaded_at > (select max(loaded_at) from {{ this }})
        )
    {%- endif %}
),

fill_positions as (
    select * from positions
    {%- if is_incremental() %}
    -- only the recomputed fills' positions: a semi-join built on the few fills, not a hash
    -- table of every position
    where position_id in (select position_id from liquidations)
    {%- endif %}
),

fee_schedules as (
    select * from {{ ref('fee_schedules') }}
),

account_collateral as (
    select * from {{ ref('stg_simulator__account_collateral') }}
),

cross_margin_drains as (
    select * from {{ ref('stg_simulator__cross_margin_drains') }}
),

collateral_depegs as (
    select * from {{ ref('collateral_depegs') }}
),

mechanisms as (
    select * from {{ ref('venue_liquidation_mechanisms') }}
),

fund_pools as (
    select * from {{ ref('insurance_fund_pools') }}
),

scenarios as (
    select * from (values ('low'), ('central'), ('high')) as scenarios (scenario)
),

-- long form: one rate per venue x fee type x symbol ('*' = every other symbol) x scenario
fee_rates as (
    select venue, fee_type, symbol, 'low' as scenario, rate_low as rate from fee_schedules
    union all
    select venue, fee_type, symbol, 'central' as scenario, rate_central as rate from fee_schedules
    union all
    select venue, fee_type, symbol, 'high' as scenario, rate_high as rate from fee_schedules
),

surplus_shares as (
    select venue, 'low' as scenario, surplus_share_low as surplus_share,
        adl_loss_share_low as adl_loss_share
    from mechanisms
    union all
    select venue, 'central' as scenario, surplus_share_central as surplus_share,
        adl_loss_share_central as adl_loss_share
    from mechanisms
    union all
    select venue, 'high' as scenario, surplus_share_high as surplus_share,
        adl_loss_share_high as adl_loss_share
    from mechanisms
),

fills as (
    select
        liquidations.liquidation_id,
        liquidations.position_id,
        liquidations.venue,
        liquidations.symbol,
        liquidations.is_long,
        liquidations.quantity,
        liquidations.price,
        liquidations.notional_usd,
        liquidations.is_shown_in_public_feed,
        liquidations.liquidated_at,
        positions.account_id,
        positions.quantity as position_quantity,
        positions.bankruptcy_price,
        positions.maintenance_margin_rate,
        -- the trader's margin on the liquidated amount (isolated: entry notional / leverage)
        liquidations.quantity * positions.entry_price / positions.leverage
            as trader_margin_posted_usd,
        {{ margin_left_usd('liquidations.is_long', 'liquidations.quantity',
                           'liquidations.price', 'positions.bankruptcy_price') }} as price_margin_left_usd,
        {{ bankruptcy_payout_usd('liquidations.is_long', 'liquidations.quantity',
                                 'liquidations.price', 'positions.bankruptcy_price') }} as price_loss_beyond_bankruptcy_usd
    -- inner join: a fill without its position has no bankruptcy price, so no margin to split;
    -- fct_liquidations' relationships test already flags such fills.
    from liquidations
    inner join fill_positions as positions
        on liquidations.position_id = positions.position_id
),

-- Everything that does not depend on the scenario, once per fill: the mechanism, whether the
-- venue keeps the surplus, the insurance pool and the collateral's depeg terms. The scenarios
-- are crossed in only after (fills_with_terms): every join here used to run on three times the
-- rows, once per scenario.
--
-- Collateral depegs (seed collateral_depegs, simulator switch collateral_depeg): a fill of an
-- account whose margin is held in USDe / wBETH / BNSOL, inside that asset's depeg window, loses
-- the collateral's fall below par on the liquidated share of the position. The collateral's
-- Binance price follows the seed's path: 1 at the window's start, linear to the published low,
-- linear back to 1 at its end. Where the liquidation engine sold the collateral in its thin
-- book is not published (USDe's book fell from ~89M to ~2M deep): high scenario = at the path's
-- value in the fill's minute, low = at the published low, central = halfway. The path's position is
-- measured in milliseconds (fills carry them; whole-second differences are counted differently by
-- DuckDB, boundaries crossed, and Spark, whole units elapsed).
-- (The account's collateral and its depeg are joined straight onto the fills, a left join on
-- the account and the depeg window, so `fills` is read once and never held in memory.)
fill_terms as (
    select
        fills.*,
        mechanisms.mechanism,
        -- Hyperliquid: backstop (margin kept by HLP) when the equity left is below the share of
        -- the fill's maintenance margin; venues without a backstop share apply the surplus share
        -- to every fill.
        coalesce(
            fills.price_margin_left_usd
            < mechanisms.backstop_equity_share_of_maintenance_margin
            * fills.maintenance_margin_rate * fills.notional_usd,
            true
        ) as is_surplus_kept,
        coalesce(pool_symbol.pool_id, pool_default.pool_id) as insurance_pool_id,
        depegged_collateral.collateral_usd * fills.quantity / nullif(fills.position_quantity, 0)
            as collateral_at_par_usd,
        depegged_collateral.low_price_ratio,
        case
            when fills.liquidated_at < depegged_collateral.low_at
                then 1 - (1 - depegged_collateral.low_price_ratio)
                    * {{ dbt.datediff('depegged_collateral.window_starts_at', 'fills.liquidated_at', 'millisecond') }}
                    / {{ dbt.datediff('depegged_collateral.window_starts_at', 'depegged_collateral.low_at', 'millisecond') }}
            else 1 - (1 - depegged_collateral.low_price_ratio)
                * {{ dbt.datediff('fills.liquidated_at', 'depegged_collateral.window_ends_at', 'millisecond') }}
                / {{ dbt.datediff('depegged_collateral.low_at', 'depegged_collateral.window_ends_at', 'millisecond') }}
        end as path_price_ratio,
        -- multi-position cross margin (simulator switch cross_margin_drain): the equity the
        -- account's other legs drained, on the liquidated share of the position, once the drain
        -- has started (before the scenario's scale)
        coalesce(cross_margin_drains.drained_usd * fills.quantity / nullif(fills.position_quantity, 0), 0)
            as cross_margin_drained_usd
    from fills
    left join cross_margin_drains
        on fills.position_id = cross_margin_drains.position_id
        and fills.venue = cross_margin_drains.venue
        and fills.liquidated_at >= cross_margin_drains.drained_from
    left join (
        select
            account_collateral.account_id,
            account_collateral.venue,
            account_collateral.collateral_usd,
            collateral_depegs.low_price_ratio,
            collateral_depegs.window_starts_at,
            collateral_depegs.low_at,
            collateral_depegs.window_ends_at
        from account_collateral
        inner join collateral_depegs
            on account_collateral.venue = collateral_depegs.venue
            and account_collateral.collateral_asset = collateral_depegs.collateral_asset
    ) as depegged_collateral
        on fills.account_id = depegged_collateral.account_id
        and fills.venue = depegged_collateral.venue
        and fills.liquidated_at >= depegged_collateral.window_starts_at
        and fills.liquidated_at < depegged_collateral.window_ends_at
    left join mechanisms
        on fills.venue = mechanisms.venue
    left join fund_pools as pool_symbol
        on fills.venue = pool_symbol.venue
        and fills.symbol = pool_symbol.symbol
    left join fund_pools as pool_default
        on fills.venue = pool_default.venue
        and pool_default.symbol = '*'
),

-- The scenario-dependent rates, once per venue x scenario (a few rows): taker fee, default
-- clearance fee ('*'), surplus and ADL shares. Venues are those of either seed; a fill of
-- another venue finds no row and gets the rates' fallback, 0, as before.
venue_scenario_rates as (
    select
        venues.venue,
        scenarios.scenario,
        taker.rate as taker_fee_rate,
        clearance_default.rate as default_clearance_fee_rate,
        surplus_shares.surplus_share,
        surplus_shares.adl_loss_share
    from (
        select venue from fee_schedules
        union
        select venue from mechanisms
    ) as venues
    cross join scenarios
    left join fee_rates as taker
        on venues.venue = taker.venue
        and taker.fee_type = 'taker'
        and taker.symbol = '*'
        and scenarios.scenario = taker.scenario
    left join fee_rates as clearance_default
        on venues.venue = clearance_default.venue
        and clearance_default.fee_type = 'liquidation_clearance'
        and clearance_default.symbol = '*'
        and scenarios.scenario = clearance_default.scenario
    left join surplus_shares
        on venues.venue = surplus_shares.venue
        and scenarios.scenario = surplus_shares.scenario
),

-- the grain: each fill x the three scenarios, then the scenario's rates (two lookups in tables of
-- a few dozen rows)
fills_with_terms as (
    select
        fill_terms.*,
        scenarios.scenario,
        coalesce(venue_scenario_rates.taker_fee_rate, 0) as taker_fee_rate,
        coalesce(clearance_symbol.rate, venue_scenario_rates.default_clearance_fee_rate, 0)
            as clearance_fee_rate,
        coalesce(venue_scenario_rates.surplus_share, 0) as surplus_share,
        -- no ADL assumption: the fund or vault pays the whole loss
        coalesce(venue_scenario_rates.adl_loss_share, 0) as adl_loss_share,
        coalesce(
            fill_terms.collateral_at_par_usd * (1 - case scenarios.scenario
                when 'low' then fill_terms.low_price_ratio
                when 'central' then (fill_terms.low_price_ratio + fill_terms.path_price_ratio) / 2
                else fill_terms.path_price_ratio
            end),
            0
        ) as collateral_depeg_loss_usd,
        fill_terms.cross_margin_drained_usd * case scenarios.scenario
            when 'low' then {{ var('cross_margin_drain_scale_low') }}
            when 'central' then {{ var('cross_margin_drain_scale_central') }}
            else {{ var('cross_margin_drain_scale_high') }}
        end as cross_margin_drain_usd
    from fill_terms
    cross join scenarios
    left join venue_scenario_rates
        on fill_terms.venue = venue_scenario_rates.venue
        and scenarios.scenario = venue_scenario_rates.scenario
    left join fee_rates as clearance_symbol
        on fill_terms.venue = clearance_symbol.venue
        and clearance_symbol.fee_type = 'liquidation_clearance'
        and fill_terms.symbol = clearance_symbol.symbol
        and scenarios.scenario = clearance_symbol.scenario
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
        {{ incremental_loaded_at() }} as loaded_at
    from revenue
)

select * from final
