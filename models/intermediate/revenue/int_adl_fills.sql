{{ config(materialized='table') }}
-- One row per ADL fill x scenario (simulator switch hyperliquid_adl; stg_simulator__adl_fills):
-- the share of a liquidation fill closed by auto-deleveraging against profitable opposite
-- positions, and what that share takes off the insurance fund or backstop vault. The vault does
-- not take over what ADL closed: it neither keeps that share's margin (insurance_surplus_usd) nor
-- pays that share's loss beyond bankruptcy (insurance_payout_usd, after the seed's
-- adl_loss_share), and int_backstop_unwinds unwinds only the rest of the fill. The loss beyond
-- bankruptcy on the share falls on the ADL counterparties (users' money, never fee income).
with

adl as (
    select * from {{ ref('stg_simulator__adl_fills') }}
),

fills as (
    select * from {{ ref('int_liquidation_fills_revenue') }}
),

final as (
    select
        adl.liquidation_id,
        fills.scenario,
        fills.venue,
        fills.symbol,
        fills.insurance_pool_id,
        fills.is_long,
        fills.is_surplus_kept,
        adl.quantity as adl_quantity,
        adl.notional_usd as adl_notional_usd,
        adl.adl_at,
        adl.quantity / fills.quantity as adl_share_of_fill,
        -- what the vault would have booked on the ADL'd share, taken off (flows in positive;
        -- 0 - x, not -x, so that nothing taken off is 0, not -0)
        0 - adl.quantity / fills.quantity * fills.insurance_surplus_usd as surplus_not_kept_usd,
        0 - adl.quantity / fills.quantity * fills.insurance_payout_usd as payout_avoided_usd,
        0 - adl.quantity / fills.quantity
        * (fills.insurance_surplus_usd + fills.insurance_payout_usd) as adl_flow_usd,
        -- the loss beyond bankruptcy on the ADL'd share, passed to the counterparties (<= 0)
        adl.quantity / fills.quantity * fills.loss_beyond_bankruptcy_usd
            as counterparty_loss_usd
    from adl
    inner join fills
        on adl.liquidation_id = fills.liquidation_id
)

select * from final
