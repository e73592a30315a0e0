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

select * from final
