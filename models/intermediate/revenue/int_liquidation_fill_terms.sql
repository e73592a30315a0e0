{{ config(
    materialized=incremental_materialization(),
    incremental_strategy=incremental_strategy('delete+insert'),
    unique_key='liquidation_id',
    on_schema_change='fail',
    post_hook="{{ incremental_prune_missing_keys(ref('stg_simulator__liquidations'), 'liquidation_id', upstream_filter='position_id in (select position_id from ' ~ ref('int_positions_with_liquidation_prices') ~ ')') }}"
) }}
-- One row per forced fill with everything about it that does not depend on the scenario: its
-- position's bankruptcy price, the margin left at the fill price (or the loss beyond
-- bankruptcy), whether the venue keeps the surplus (by its mechanism's backstop share,
-- seeds/reference/venue_liquidation_mechanisms.csv), and the terms of the account's depegged
-- collateral and cross-margin drain. The venue's mechanism and the fill's insurance pool,
-- functions of the seeds by venue (and symbol), are looked up by the view per venue x symbol, not
-- stored on every fill (issue 17: two string columns less to write). The view
-- int_liquidation_fills_revenue crosses it with the three scenarios and their rates. A table,
-- incremental (macros/incremental), the only large write of the revenue ledgers: one row per
-- fill, where a table per fill x scenario wrote three times
-- the rows and half again the columns (issue 17). A run recomputes the fills loaded since this
-- table's last load and the fills of positions loaded since (a re-read position may carry
-- another bankruptcy price); fills that left staging are pruned. A change to the mechanisms'
-- backstop share, or a changed collateral or cross-margin drain file under unchanged fills and
-- positions, needs --full-refresh (the daily run does one); the mechanism names, insurance pools,
-- fee rates and scenario shares are read by the view, so a change to them needs none.
with

positions as (
    select * from {{ ref('int_positions_with_liquidation_prices') }}
),

liquidations as (
    select * from {{ ref('stg_simulator__liquidations') }} as stg
    {%- if is_incremental() %}
    where stg.loaded_at > (select max(loaded_at) from {{ this }})
        or stg.position_id in (
            -- the model, not the CTE `positions`: a CTE read twice is materialised in full
            -- (every position's prices, ~0.3 CPU s at scale 1 for an hourly run's few fills)
            select position_id from {{ ref('int_positions_with_liquidation_prices') }}
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

-- Everything that does not depend on the scenario, once per fill: whether the venue keeps the
-- surplus and the collateral's depeg terms. The scenarios
-- are crossed in only after, in the view int_liquidation_fills_revenue.
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
        -- Hyperliquid: backstop (margin kept by HLP) when the equity left is below the share of
        -- the fill's maintenance margin; venues without a backstop share apply the surplus share
        -- to every fill.
        coalesce(
            fills.price_margin_left_usd
            < mechanisms.backstop_equity_share_of_maintenance_margin
            * fills.maintenance_margin_rate * fills.notional_usd,
            true
        ) as is_surplus_kept,
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
),

final as (
    select
        liquidation_id,
        position_id,
        venue,
        symbol,
        is_long,
        quantity,
        price,
        notional_usd,
        is_shown_in_public_feed,
        bankruptcy_price,
        price_margin_left_usd,
        price_loss_beyond_bankruptcy_usd,
        is_surplus_kept,
        collateral_at_par_usd,
        low_price_ratio,
        path_price_ratio,
        cross_margin_drained_usd,
        trader_margin_posted_usd,
        {{ incremental_loaded_at() }} as loaded_at
    from fill_terms
)

select * from final
