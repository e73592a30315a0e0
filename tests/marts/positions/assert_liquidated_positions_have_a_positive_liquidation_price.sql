-- A position the venue liquidated must have a liquidation price the market could reach: a
-- computed price at or below zero (or null) for a liquidated position means the formula or the
-- position's terms are wrong. Returns those positions.
with

positions as (
    select * from {{ ref('int_positions_with_liquidation_prices') }}
),

liquidations as (
    select * from {{ ref('fct_liquidations') }}
),

liquidated_positions as (
    select distinct position_id
    from liquidations
),

broken as (
    select
        positions.position_id,
        positions.side,
        positions.leverage,
        positions.liquidation_price
    from positions
    inner join liquidated_positions
        on positions.position_id = liquidated_positions.position_id
    where not (positions.liquidation_price > 0)
        or positions.liquidation_price is null
)

select * from broken
