-- A forced fill closes (part of) its own position: venue, symbol and side must agree with the
-- position it points to. Returns the fills that disagree.
with

liquidations as (
    select * from {{ ref('stg_simulator__liquidations') }}
),

positions as (
    select * from {{ ref('stg_simulator__positions') }}
),

mismatched as (
    select
        liquidations.liquidation_id,
        liquidations.position_id,
        liquidations.venue as liquidation_venue,
        positions.venue as position_venue,
        liquidations.symbol as liquidation_symbol,
        positions.symbol as position_symbol,
        liquidations.side as liquidation_side,
        positions.side as position_side
    from liquidations
    inner join positions
        on liquidations.position_id = positions.position_id
    where liquidations.venue <> positions.venue
        or liquidations.symbol <> positions.symbol
        or liquidations.side <> positions.side
)

select * from mismatched
