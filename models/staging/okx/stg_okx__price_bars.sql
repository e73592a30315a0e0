-- Every bar of OKX candlestick captures saved as JSON lines (format candles-jsonl), in the two
-- shapes OKX serves them: a REST `GET /api/v5/market/candles` or `history-candles` response
-- ({"code":"0","msg":"","data":[[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm], ...]},
-- newest first, every value a string) or a websocket `candle{bar}` push
-- ({"arg":{"channel":"candle1m","instId":..},"data":[[same 9 fields]]}). One row per data[]
-- element; a line of neither shape (a subscribe event, an error with empty data) is one
-- quarantined row. A REST response names neither its instrument nor its interval: the
-- instrument is the config entry's `symbol`, else read from the file name
-- (BTC-USDT-SWAP-history-candles-1m.jsonl); the interval is the span of its rows / (rows - 1),
-- 60 s for a one-row response. confirm = 0 is an in-progress bar (the closed one supersedes it).
-- For SWAP / FUTURES `vol` is in contracts and volCcy in base units; for SPOT `vol` is base.
-- See docs/formats.md.
with

raw as (
    select document, source_file, entry_symbol
    from {{ source('venue_files', 'candles_jsonl') }}
    -- a line that is not JSON: quarantined as malformed_json by stg_venue_files__quarantine
    where document is not null
),

documents as (
    select
        source_file,
        entry_symbol,
        document,
        cast(document as {{ dbt.type_string() }}) as document_text,
        {{ json_text('document', '$.arg.channel') }} as channel,
        {{ json_text('document', '$.arg.instId') }} as pushed_instrument,
        {{ regex_capture('source_file', '([A-Za-z0-9]+-[A-Za-z0-9]+(-SWAP|-[0-9]{6})?)[-_](history-)?candles') }} as file_instrument
    from raw
),

records as (
    select
        source_file,
        entry_symbol,
        document_text,
        channel,
        coalesce(pushed_instrument, nullif(file_instrument, '')) as instrument,
        -- the pushed instId, else the config entry's symbol, else the file name's instrument
        coalesce(
            {{ venue_base_symbol('pushed_instrument') }},
            upper(entry_symbol),
            {{ venue_base_symbol("nullif(file_instrument, '')") }}
        ) as symbol,
        {{ json_items_or_null('document', '$.data') }} as record
    from documents
),

fields as (
    select
        records.*,
        {{ json_text('record', '$[0]') }} as ts_text,
        {{ json_text('record', '$[1]') }} as open_text,
        {{ json_text('record', '$[2]') }} as high_text,
        {{ json_text('record', '$[3]') }} as low_text,
        {{ json_text('record', '$[4]') }} as close_text,
        {{ json_text('record', '$[5]') }} as vol_text,
        {{ json_text('record', '$[6]') }} as vol_ccy_text,
        {{ json_text('record', '$[7]') }} as vol_ccy_quote_text,
        {{ json_text('record', '$[8]') }} as confirm_text,
        -- candle1m, candle1H, candle1Dutc...; mark-price / index candles are other channels
        {{ try_to_bigint(regex_capture('channel', '^candle([0-9]+)[smHDW]')) }} as channel_bar_count,
        {{ regex_capture('channel', '^candle[0-9]+([smHDW])') }} as channel_bar_unit,
        -- SWAP and FUTURES count vol in contracts, volCcy in base units; SPOT vol is base
        (upper(instrument) like '%-SWAP' or {{ regex_capture('instrument', '-([0-9]{6})$') }} <> '') as is_derivative
    from records
),

typed as (
    select
        fields.*,
        {{ try_to_bigint('ts_text') }} as open_time_ms
    from fields
),

spans as (
    select
        typed.*,
        case
            when channel is null and count(open_time_ms) over (partition by source_file, document_text) > 1
                then (max(open_time_ms) over (partition by source_file, document_text)
                    - min(open_time_ms) over (partition by source_file, document_text))
                    / (count(open_time_ms) over (partition by source_file, document_text) - 1) / 1000
            when channel is null then 60
        end as rest_interval_seconds
    from typed
),

parsed as (
    select
        'candles-jsonl' as source_format,
        source_file,
        coalesce(coalesce(instrument, entry_symbol, '?') || ' ' || cast(record as {{ dbt.type_string() }}), document_text) as raw_record,
        'okx' as venue,
        instrument,
        symbol,
        case
            when channel is null then rest_interval_seconds
            else channel_bar_count * case channel_bar_unit
                when 's' then 1 when 'm' then 60 when 'H' then 3600 when 'D' then 86400 when 'W' then 604800 end
        end as bar_interval_seconds,
        open_time_ms,
        {{ try_to_double('open_text') }} as open_value,
        {{ try_to_double('high_text') }} as high_value,
        {{ try_to_double('low_text') }} as low_value,
        {{ try_to_double('close_text') }} as close_value,
        case when is_derivative then {{ try_to_double('vol_ccy_text') }} else {{ try_to_double('vol_text') }} end as volume_value,
        {{ try_to_double('vol_ccy_quote_text') }} as quote_volume_value,
        cast(null as {{ dbt.type_bigint() }}) as count_value,
        case
            when record is null then 'not_a_kline_message'
            -- a websocket channel other than candle{bar} (mark-price-candle1m, trades...)
            when channel is not null and channel_bar_count is null then 'not_a_kline_message'
            when ts_text is null then 'not_a_kline_message'
        end as format_quarantine_reason,
        case confirm_text when '1' then true when '0' then false end as is_final_bar,
        -- pushes of the same bar carry no time of their own; the volume only grows
        {{ try_to_double('vol_text') }} as update_order
    from spans
),

checked as (
    {{ venue_price_bars_checked('parsed') }}
),

final as (
    {{ venue_price_bars_final('checked') }}
)

select * from final
