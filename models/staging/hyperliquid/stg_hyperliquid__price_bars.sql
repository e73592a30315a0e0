-- Every bar of Hyperliquid candle captures saved as JSON lines (format candle-snapshot-jsonl),
-- in the shapes Hyperliquid serves them: an info `candleSnapshot` response (a JSON array of
-- {t, T, s, i, o, c, h, l, v, n}, oldest first; a file holding one response is a top-level
-- array, one response per line also reads), a websocket `candle` push
-- ({"channel":"candle","data":{t, T, s, i, o, c, h, l, v, n}}) or a bare candle object. One row
-- per candle; a line of none of these shapes (a subscriptionResponse, an empty array) is one
-- quarantined row. t / T are the bar's open / close times (epoch ms), o c h l v strings (v in
-- base units), n the number of trades. Pushes carry no closed flag nor time: of several pushes
-- of the same bar the one with the most trades (n only grows) is kept. Hyperliquid gives no USD
-- volume (volume_usd null). See docs/formats.md.
with

raw as (
    select document, source_file, entry_symbol
    from {{ source('venue_files', 'candle_snapshot_jsonl') }}
    -- a line that is not JSON: quarantined as malformed_json by stg_venue_files__quarantine
    where document is not null
),

documents as (
    select
        source_file,
        document,
        cast(document as {{ dbt.type_string() }}) as document_text,
        case
            when {{ json_text('document', '$[0].t') }} is not null or {{ json_text('document', '$[0]') }} is not null
                or cast(document as {{ dbt.type_string() }}) = '[]' then 'snapshot'
            when {{ json_text('document', '$.channel') }} = 'candle' then 'push'
            when {{ json_text('document', '$.t') }} is not null then 'candle'
        end as document_shape
    from raw
),

snapshot_candles as (
    select
        source_file,
        document_text,
        {{ json_items_or_null('document', '$') }} as candle
    from documents
    where document_shape = 'snapshot'
),

pushed_candles as (
    select
        source_file,
        document_text,
        {{ json_value('document', '$.data') }} as candle
    from documents
    where document_shape = 'push'
),

bare_candles as (
    select
        source_file,
        document_text,
        document as candle
    from documents
    where document_shape = 'candle'
),

other_documents as (
    select
        source_file,
        document_text,
        cast(null as {{ type_json() }}) as candle
    from documents
    where document_shape is null
),

candles as (
    select * from snapshot_candles
    union all
    select * from pushed_candles
    union all
    select * from bare_candles
    union all
    select * from other_documents
),

typed as (
    select
        candles.*,
        {{ json_text('candle', '$.s') }} as coin,
        {{ json_text('candle', '$.i') }} as interval_text,
        {{ try_to_bigint(json_text('candle', '$.t')) }} as open_time_ms,
        {{ try_to_bigint(json_text('candle', '$.T')) }} as close_time_ms,
        {{ try_to_bigint(json_text('candle', '$.n')) }} as trade_count_number,
        {{ try_to_double(json_text('candle', '$.v')) }} as volume_number
    from candles
),

parsed as (
    select
        'candle-snapshot-jsonl' as source_format,
        source_file,
        coalesce(cast(candle as {{ dbt.type_string() }}), document_text) as raw_record,
        'hyperliquid' as venue,
        coin as instrument,
        {{ venue_base_symbol('coin') }} as symbol,
        case
            -- T is the bar's last millisecond (t + interval - 1)
            when close_time_ms > open_time_ms then round((close_time_ms - open_time_ms + 1) / 1000.0)
            else {{ try_to_bigint(regex_capture('interval_text', '^([0-9]+)[mhdw]$')) }}
                * case {{ regex_capture('interval_text', '^[0-9]+([mhdw])$') }}
                    when 'm' then 60 when 'h' then 3600 when 'd' then 86400 when 'w' then 604800 end
        end as bar_interval_seconds,
        open_time_ms,
        {{ try_to_double(json_text('candle', '$.o')) }} as open_value,
        {{ try_to_double(json_text('candle', '$.h')) }} as high_value,
        {{ try_to_double(json_text('candle', '$.l')) }} as low_value,
        {{ try_to_double(json_text('candle', '$.c')) }} as close_value,
        volume_number as volume_value,
        cast(null as {{ type_double() }}) as quote_volume_value,
        trade_count_number as count_value,
        case
            when candle is null then 'not_a_kline_message'
            when {{ json_text('candle', '$.t') }} is null then 'not_a_kline_message'
        end as format_quarantine_reason,
        cast(null as {{ dbt.type_boolean() }}) as is_final_bar,
        -- of several pushes of one bar, the one with the most trades is the latest
        trade_count_number as update_order
    from typed
),

checked as (
    {{ venue_price_bars_checked('parsed') }}
),

final as (
    {{ venue_price_bars_final('checked') }}
)

select * from final
