-- Every raw record a venue-format staging model read is either in its union (loaded) or in
-- stg_venue_files__quarantine, never both and never neither: per format, staging rows =
-- loaded rows reaching the union + quarantined rows. Fails with the formats that disagree.
{%- set liquidation_models = ['stg_binance__liquidations',
    'stg_bybit__liquidations', 'stg_okx__liquidations', 'stg_hyperliquid__liquidations'] %}

with

staged_parts as (
    {% for m in liquidation_models %}
    select source_format, count(*) as row_count from {{ ref(m) }} group by 1
    union all
    {% endfor %}
    select source_format, count(*) as row_count from {{ ref('stg_binance__price_bars') }}
    where price_type = 'trade' or quarantine_reason is not null
    group by 1
    {% for m in ['stg_bybit__price_bars', 'stg_okx__price_bars', 'stg_hyperliquid__price_bars'] %}
    union all
    select source_format, count(*) as row_count from {{ ref(m) }} group by 1
    {% endfor %}
    union all
    -- lines of JSON-lines files that are not JSON: records read, quarantined before staging
    select source_format, count(*) as row_count from {{ ref('stg_venue_files__quarantine') }}
    where quarantine_reason = 'malformed_json'
    group by 1
),

staged as (
    select source_format, sum(row_count) as row_count from staged_parts group by 1
),

loaded as (
    select source_format, count(*) as row_count from {{ ref('int_liquidations_unioned') }}
    where source_format <> 'simulator'
    group by 1
    union all
    select source_format, count(*) as row_count from {{ ref('int_price_bars_unioned') }}
    where source_format <> 'simulator'
    group by 1
),

quarantined as (
    select source_format, count(*) as row_count from {{ ref('stg_venue_files__quarantine') }}
    -- funding rates and account liquidations have no union: they are not counted here
    where source_format not in ('funding-rate-csv', 'historical-liquidations-csv')
    group by 1
),

final as (
    select
        staged.source_format,
        staged.row_count as staged_row_count,
        coalesce(loaded.row_count, 0) as loaded_row_count,
        coalesce(quarantined.row_count, 0) as quarantined_row_count
    from staged
    left join loaded on staged.source_format = loaded.source_format
    left join quarantined on staged.source_format = quarantined.source_format
    where staged.row_count <> coalesce(loaded.row_count, 0) + coalesce(quarantined.row_count, 0)
)

select * from final
