-- One row per open position with the price at which its venue would liquidate it and the price
-- at which its margin is exhausted, from the isolated-margin formulas in macros/liquidation_prices.sql.
-- Cross-margin positions carry the account-level effective leverage, so the same formula is an
-- approximation of their account-level liquidation price (see the macro documentation).
with

positions as (
    select * from {{ ref('stg_simulator__positions') }}
),

priced as (
    select
        position_id,
        account_id,
        venue,
        symbol,
        side,
        is_long,
        margin_mode,
        leverage,
        entry_price,
        quantity,
        notional_usd,
        maintenance_margin_rate,
        maintenance_amount_usd,
        opened_at,
        loaded_at,
        {{ liquidation_price('side', 'entry_price', 'quantity', 'leverage',
                             'maintenance_margin_rate', 'maintenance_amount_usd') }} as liquidation_price,
        {{ bankruptcy_price('side', 'entry_price', 'leverage') }} as bankruptcy_price
    from positions
),

final as (
    select
        priced.*,
        -- how far the price must move against the position, as a fraction of entry
        -- (positive: the liquidation price lies on the adverse side of entry)
        case
            when is_long then (entry_price - liquidation_price) / entry_price
            else (liquidation_price - entry_price) / entry_price
        end as liquidation_distance_rate,
        liquidation_price > 0 as is_liquidatable
    from priced
)

select * from final
