-- One row per venue x symbol x funding settlement, from the venues' funding-rate files.
with

funding_rates as (
    select * from {{ ref('stg_binance__funding_rates') }}
    where quarantine_reason is null
),

final as (
    select
        venue,
        symbol,
        funding_at,
        calculated_at,
        funding_rate,
        funding_interval_hours,
        source_format,
        source_file
    from funding_rates
)

-- typed: one type per kind of column (macros/types.sql, README "Types")
select
    venue,
    symbol,
    {{ utc_timestamp('funding_at') }} as funding_at,
    {{ utc_timestamp('calculated_at') }} as calculated_at,
    {{ measure_value('funding_rate') }} as funding_rate,
    {{ count_value('funding_interval_hours') }} as funding_interval_hours,
    source_format,
    source_file
from final
