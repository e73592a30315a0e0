-- One row per venue x symbol x trade-price bar, from every input (simulated or real venue
-- files): what the price marts and the waves read, published for users.
with

price_bars as (
    select * from {{ ref('int_price_bars_unioned') }}
),

final as (
    select * from price_bars
)

select * from final
