-- One row per forced fill, with the liquidated position's leverage, margin mode and entry price.
with

liquidations as (
    select * from {{ ref('int_liquidations_unioned') }}
),

positions as (
    select * from {{ ref('stg_simulator__positions') }}
),

liquidations_with_positions as (
    select
        liquidations.liquidation_id,
        liquidations.position_id,
        liquidations.venue,
        liquidations.symbol,
        liquidations.side,
        liquidations.is_long,
        liquidations.quantity,
        liquidations.price,
        liquidations.notional_usd,
        liquidations.liquidated_at,
        {{ dbt.date_trunc('minute', 'liquidations.liquidated_at') }} as liquidated_minute_at,
        liquidations.is_shown_in_public_feed,
        positions.leverage,
        positions.margin_mode,
        positions.entry_price
    -- left join: a fill whose position is missing (e.g. quarantined) is kept and flagged by the
    -- relationships test on position_id rather than silently dropped.
    from liquidations
    left join positions
        on liquidations.position_id = positions.position_id
),

final as (
    select * from liquidations_with_positions
)

select * from final
