{#-
    Row checks shared by the venue-format PRICE-BAR staging models other than Binance's klines
    (Bybit kline, OKX candles, Hyperliquid candles), with the same rules and reasons as
    stg_binance__price_bars, so every venue's bars are judged alike.

    `parsed_relation` has one row per raw record with: source_format, source_file, raw_record
    (the record as text), venue, instrument (as written), symbol (base asset or null),
    bar_interval_seconds, open_time_ms, open_value, high_value, low_value, close_value,
    volume_value (base units), quote_volume_value (USD), count_value, format_quarantine_reason (a
    reason found while parsing the format, or null), is_final_bar (true for a closed bar, false
    for an in-progress websocket push, null when the format does not say) and update_order
    (among pushes of the same bar, higher = later; null when the format has none).

    Returns every row with bar_opened_at and quarantine_reason: the format's reason first, then
    the FIRST failing row check; among rows that pass them, an exact copy of a record is
    `duplicate_row`, and of several records for the same bar the final / latest one is kept, the
    others being `superseded_update` (an in-progress push) or `duplicate_key` (another final row).
-#}
{% macro venue_price_bars_checked(parsed_relation) -%}
with

parsed as (
    select * from {{ parsed_relation }}
),

row_checked as (
    select
        parsed.*,
        {{ simulator_epoch_ms_to_timestamp('parsed.open_time_ms') }} as bar_opened_at,
        coalesce(parsed.format_quarantine_reason, case
            when parsed.open_time_ms is null then 'unparseable_open_time'
            when not {{ simulator_is_epoch_ms('parsed.open_time_ms') }} then 'timestamp_unit'
            when parsed.symbol is null then 'unknown_symbol'
            when parsed.bar_interval_seconds is null or parsed.bar_interval_seconds <= 0 then 'invalid_interval'
            when parsed.open_value is null or parsed.high_value is null
                or parsed.low_value is null or parsed.close_value is null then 'unparseable_price'
            when not ({{ is_finite('parsed.open_value') }} and {{ is_finite('parsed.high_value') }}
                and {{ is_finite('parsed.low_value') }} and {{ is_finite('parsed.close_value') }}) then 'non_finite_price'
            when not (parsed.open_value > 0 and parsed.high_value > 0
                and parsed.low_value > 0 and parsed.close_value > 0) then 'non_positive_price'
            when parsed.high_value > {{ simulator_max_price() }} then 'implausible_price'
            when parsed.high_value < parsed.low_value then 'high_below_low'
            when parsed.open_value > parsed.high_value or parsed.open_value < parsed.low_value
                or parsed.close_value > parsed.high_value or parsed.close_value < parsed.low_value
                then 'price_outside_range'
            when parsed.volume_value < 0 or parsed.quote_volume_value < 0 or parsed.count_value < 0
                then 'negative_volume'
        end) as row_quarantine_reason
    from parsed
),

copies_ranked as (
    select
        row_checked.*,
        -- exact copies of the same record (the same push or response saved twice)
        row_number() over (
            partition by row_quarantine_reason, symbol, raw_record
            order by source_file
        ) as copy_rank
    from row_checked
),

keys_ranked as (
    select
        copies_ranked.*,
        -- several records for the same bar: the closed one first, then the latest push
        row_number() over (
            partition by row_quarantine_reason, copy_rank, symbol, bar_interval_seconds, open_time_ms
            order by
                case when is_final_bar then 0 when is_final_bar is null then 1 else 2 end,
                update_order desc nulls last,
                raw_record,
                source_file
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
                when key_rank > 1 and not coalesce(is_final_bar, false) then 'superseded_update'
                when key_rank > 1 then 'duplicate_key'
            end
        ) as quarantine_reason
    from keys_ranked
)

select * from checked
{%- endmacro %}


{#- The identical column list every venue-format price-bar staging model ends with (the same
    columns as stg_binance__price_bars, so int_price_bars_unioned reads them alike). -#}
{% macro venue_price_bars_final(checked_relation) -%}
    select
        venue,
        instrument,
        symbol,
        'trade' as price_type,
        cast(bar_interval_seconds as {{ dbt.type_bigint() }}) as bar_interval_seconds,
        bar_opened_at,
        cast(open_time_ms as {{ dbt.type_bigint() }}) as open_time_ms,
        cast(open_value as {{ type_double() }}) as open_price,
        cast(high_value as {{ type_double() }}) as high_price,
        cast(low_value as {{ type_double() }}) as low_price,
        cast(close_value as {{ type_double() }}) as close_price,
        cast(volume_value as {{ type_double() }}) as volume_base,
        cast(quote_volume_value as {{ type_double() }}) as volume_usd,
        cast(count_value as {{ dbt.type_bigint() }}) as trade_count,
        cast(is_final_bar as {{ dbt.type_boolean() }}) as is_final_bar,
        source_format,
        source_file,
        raw_record,
        quarantine_reason
    from {{ checked_relation }}
{%- endmacro %}
