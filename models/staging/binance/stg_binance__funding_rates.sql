-- Every data row of Binance USDⓈ-M funding-rate files (format funding-rate-csv; data.binance.vision
-- monthly `fundingRate`): calc_time (epoch ms, jittered by a few ms around the funding time),
-- funding_interval_hours, last_funding_rate (a fraction, sometimes written like 1.8E-7). The
-- symbol comes from the file name (BTCUSDT-fundingRate-2025-10.csv) unless the config entry
-- gives one. The header row is dropped; every data row is kept, quarantine_reason null when loaded.
with

raw as (
    select * from {{ source('venue_files', 'funding_rate_csv') }}
),

typed as (
    select
        raw.*,
        concat_ws(',', c00, c01, c02) as raw_record,
        {{ try_to_bigint('c00') }} as calculated_at_ms,
        {{ try_to_double('c01') }} as interval_hours_value,
        {{ try_to_double('c02') }} as funding_rate_value,
        coalesce(
            entry_symbol,
            {{ venue_base_symbol(regex_capture('source_file', '([A-Za-z0-9]+)-fundingRate')) }}
        ) as symbol
    from raw
    where lower(trim(c00)) not in ('calc_time', 'calctime', 'funding_time')
),

row_checked as (
    select
        typed.*,
        -- The settlement the rate belongs to: calc_time rounded to the nearest hour (funding
        -- settles on the hour; the files' calc_time is late by a few milliseconds).
        cast(round(calculated_at_ms / 3600000.0) * 3600000 as {{ dbt.type_bigint() }}) as funding_at_ms,
        case
            when c00 is not null and calculated_at_ms is null then 'unparseable_time'
            when calculated_at_ms is null or funding_rate_value is null then 'null_required_value'
            when not {{ simulator_is_epoch_ms('calculated_at_ms') }} then 'timestamp_unit'
            when symbol is null then 'unknown_symbol'
            when not {{ is_finite('funding_rate_value') }} then 'non_finite_rate'
            -- Binance caps funding far below 100% per interval; a larger value is a unit error.
            when abs(funding_rate_value) >= 1 then 'implausible_rate'
            when not (interval_hours_value > 0 and interval_hours_value <= 24) then 'invalid_funding_interval'
        end as row_quarantine_reason
    from typed
),

ranked as (
    select
        row_checked.*,
        row_number() over (
            partition by row_quarantine_reason, symbol, funding_at_ms
            order by raw_record, source_file
        ) as key_rank,
        row_number() over (
            partition by row_quarantine_reason, symbol, raw_record
            order by source_file
        ) as copy_rank
    from row_checked
),

checked as (
    select
        ranked.*,
        coalesce(
            row_quarantine_reason,
            case
                when copy_rank > 1 then 'duplicate_row'
                when key_rank > 1 then 'duplicate_key'
            end
        ) as quarantine_reason
    from ranked
),

final as (
    select
        'binance' as venue,
        symbol,
        {{ simulator_epoch_ms_to_timestamp('funding_at_ms') }} as funding_at,
        {{ simulator_epoch_ms_to_timestamp('calculated_at_ms') }} as calculated_at,
        calculated_at_ms,
        cast(funding_rate_value as {{ type_double() }}) as funding_rate,
        cast(interval_hours_value as {{ dbt.type_int() }}) as funding_interval_hours,
        'funding-rate-csv' as source_format,
        source_file,
        raw_record,
        quarantine_reason
    from checked
)

select * from final
