-- Every data row of Binance USDⓈ-M kline files (format klines-csv): the 12 columns of
-- data.binance.vision (open_time, open, high, low, close, volume, close_time, quote_volume,
-- count, taker_buy_volume, taker_buy_quote_volume, ignore), with or without a header row, times
-- as epoch ms (µs for Binance's 2025+ spot files) or as text ('2025-05-11 00:00:00', files
-- relabelled by third parties), and the mark / index price variants of the same layout (zero
-- volumes). The symbol comes from the file name (BTCUSDT-1m-2025-10-10.csv) unless the config
-- entry gives one; the bar interval from close_time - open_time + 1 ms. A header row is not
-- data and is dropped; every data row is kept, quarantine_reason null when it is loaded.
with

raw as (
    select * from {{ source('venue_files', 'klines_csv') }}
),

typed as (
    select
        raw.*,
        concat_ws(',', c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11) as raw_record,
        {{ try_to_bigint('c00') }} as open_time_number,
        {{ try_to_bigint('c06') }} as close_time_number,
        {{ try_to_double('c01') }} as open_value,
        {{ try_to_double('c02') }} as high_value,
        {{ try_to_double('c03') }} as low_value,
        {{ try_to_double('c04') }} as close_value,
        {{ try_to_double('c05') }} as volume_value,
        {{ try_to_double('c07') }} as quote_volume_value,
        {{ try_to_bigint('c08') }} as count_value,
        {{ regex_capture('source_file', '([A-Za-z0-9]+(_PERP)?)[-_][0-9]+(s|m|h|d|w|mo)[-_]') }} as file_instrument
    from raw
    -- A header row (present in recent files, absent in older ones) is not data.
    where lower(trim(c00)) not in ('open_time', 'open time', 'timestamp', 'opentime')
),

timed as (
    select
        typed.*,
        -- Epoch numbers >= 1e15 are microseconds (Binance spot files from 2025-01-01, per its
        -- README); text times are UTC wall clock.
        case
            when open_time_number >= 1000000000000000 then cast(floor(open_time_number / 1000) as {{ dbt.type_bigint() }})
            when open_time_number is not null then open_time_number
            else {{ try_text_to_epoch_ms('c00') }}
        end as open_time_ms,
        case
            when close_time_number >= 1000000000000000 then cast(floor(close_time_number / 1000) as {{ dbt.type_bigint() }})
            when close_time_number is not null then close_time_number
            else {{ try_text_to_epoch_ms('c06') }}
        end as close_time_ms,
        coalesce(
            entry_symbol,
            {{ venue_base_symbol('file_instrument') }}
        ) as symbol,
        coalesce(
            entry_price_type,
            case
                when lower(source_file) like '%markprice%' then 'mark'
                when lower(source_file) like '%indexprice%' then 'index'
                else 'trade'
            end
        ) as price_type,
        -- COIN-M (…USD_PERP) files count volume in contracts / base units, not USD.
        upper(file_instrument) like '%USD!_PERP' escape '!' as is_coin_margined
    from typed
),

row_checked as (
    select
        timed.*,
        cast(round((close_time_ms - open_time_ms + 1) / 1000.0) as {{ dbt.type_bigint() }}) as bar_interval_seconds,
        {{ simulator_epoch_ms_to_timestamp('open_time_ms') }} as bar_opened_at,
        case
            when c00 is null then 'null_key'
            when open_time_ms is null then 'unparseable_open_time'
            when not {{ simulator_is_epoch_ms('open_time_ms') }} then 'timestamp_unit'
            when close_time_ms is null or close_time_ms <= open_time_ms then 'unparseable_close_time'
            when symbol is null then 'unknown_symbol'
            when open_value is null or high_value is null or low_value is null or close_value is null
                then 'unparseable_price'
            when not ({{ is_finite('open_value') }} and {{ is_finite('high_value') }}
                and {{ is_finite('low_value') }} and {{ is_finite('close_value') }}) then 'non_finite_price'
            when not (open_value > 0 and high_value > 0 and low_value > 0 and close_value > 0)
                then 'non_positive_price'
            when high_value > {{ simulator_max_price() }} then 'implausible_price'
            when high_value < low_value then 'high_below_low'
            when open_value > high_value or open_value < low_value
                or close_value > high_value or close_value < low_value then 'price_outside_range'
            when volume_value < 0 or quote_volume_value < 0 or count_value < 0 then 'negative_volume'
        end as row_quarantine_reason
    from timed
),

copies_ranked as (
    select
        row_checked.*,
        -- exact copies of the same row (the real 1-hour files hold some)
        row_number() over (
            partition by row_quarantine_reason, symbol, price_type, raw_record
            order by source_file
        ) as copy_rank
    from row_checked
),

keys_ranked as (
    select
        copies_ranked.*,
        -- different rows for the same bar
        row_number() over (
            partition by row_quarantine_reason, copy_rank, symbol, price_type, bar_interval_seconds, open_time_ms
            order by raw_record, source_file
        ) as key_rank
    from copies_ranked
),

checked as (
    select
        keys_ranked.*,
        coalesce(
            row_quarantine_reason,
            case
                when copy_rank > 1 then 'duplicate_row'
                when key_rank > 1 then 'duplicate_key'
            end
        ) as quarantine_reason
    from keys_ranked
),

final as (
    select
        'binance' as venue,
        file_instrument as instrument,
        symbol,
        price_type,
        bar_interval_seconds,
        bar_opened_at,
        open_time_ms,
        cast(open_value as {{ type_double() }}) as open_price,
        cast(high_value as {{ type_double() }}) as high_price,
        cast(low_value as {{ type_double() }}) as low_price,
        cast(close_value as {{ type_double() }}) as close_price,
        cast(volume_value as {{ type_double() }}) as volume_base,
        cast(case when is_coin_margined then null else quote_volume_value end as {{ type_double() }}) as volume_usd,
        cast(count_value as {{ dbt.type_bigint() }}) as trade_count,
        'klines-csv' as source_format,
        source_file,
        raw_record,
        quarantine_reason
    from checked
)

select * from final
