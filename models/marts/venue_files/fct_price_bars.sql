-- One row per venue x symbol x trade-price bar, from every input (simulated or real venue
-- files): what the price marts and the waves read, published for users.
with

price_bars as (
    select * from {{ ref('int_price_bars_unioned') }}
),

final as (
    select * from price_bars
)

-- typed: one type per kind of column (macros/types.sql, README "Types")
select
    venue,
    symbol,
    {{ utc_timestamp('bar_opened_at') }} as bar_opened_at,
    {{ measure_value('open_price') }} as open_price,
    {{ measure_value('high_price') }} as high_price,
    {{ measure_value('low_price') }} as low_price,
    {{ measure_value('close_price') }} as close_price,
    {{ measure_value('volume_base') }} as volume_base,
    {{ usd_amount('volume_usd') }} as volume_usd,
    {{ count_value('trade_count') }} as trade_count,
    {{ count_value('bar_interval_seconds') }} as bar_interval_seconds,
    price_type,
    source_format,
    source_file
from final
