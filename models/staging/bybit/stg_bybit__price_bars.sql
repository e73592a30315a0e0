-- Every bar of Bybit v5 kline captures saved as JSON lines (format kline-jsonl), in the two
-- shapes Bybit serves them: a REST `GET /v5/market/kline` response
-- ({"retCode":0,"result":{"symbol","category","list":[[startTime, open, high, low, close,
-- volume, turnover], ...]}}, newest first, every value a string) or a websocket
-- `kline.{interval}.{symbol}` push ({"topic","type","ts","data":[{start, end, interval, open,
-- close, high, low, volume, turnover, confirm, timestamp}]}). One row per list[] / data[]
-- element; a line of neither shape (a subscription reply, an empty list) is one quarantined row.
-- A REST response does not state its interval: it is the span of its rows / (rows - 1), 60 s
-- for a one-row response. A push with confirm=false is an in-progress bar: the closed push of
-- the same minute supersedes it. Linear contracts count volume in base units and turnover in
-- USDT; inverse ones (BTCUSD) the other way round. See docs/formats.md.
with

raw as (
    select document, source_file, entry_symbol
    from {{ source('venue_files', 'kline_jsonl') }}
    -- a line that is not JSON: quarantined as malformed_json by stg_venue_files__quarantine
    where document is not null
),

documents as (
    select
        source_file,
        document,
        cast(document as {{ dbt.type_string() }}) as document_text,
        case
            when {{ json_value('document', '$.result.list') }} is not null then 'rest'
            when {{ json_text('document', '$.topic') }} like 'kline.%' then 'websocket'
        end as document_shape
    from raw
),

rest_rows as (
    select
        source_file,
        document_text,
        'rest' as document_shape,
        {{ json_text('document', '$.result.symbol') }} as instrument,
        {{ json_text('document', '$.result.category') }} as category,
        {{ json_items_or_null('document', '$.result.list') }} as record
    from documents
    where document_shape = 'rest'
),

websocket_rows as (
    select
        source_file,
        document_text,
        'websocket' as document_shape,
        -- kline.{interval}.{symbol}
        {{ regex_capture(json_text('document', '$.topic'), '^kline\\.[^.]+\\.(.+)$') }} as instrument,
        cast(null as {{ dbt.type_string() }}) as category,
        {{ json_items_or_null('document', '$.data') }} as record
    from documents
    where document_shape = 'websocket'
),

other_documents as (
    select
        source_file,
        document_text,
        cast(null as {{ dbt.type_string() }}) as document_shape,
        cast(null as {{ dbt.type_string() }}) as instrument,
        cast(null as {{ dbt.type_string() }}) as category,
        cast(null as {{ type_json() }}) as record
    from documents
    where document_shape is null
),

records as (
    select * from rest_rows
    union all
    select * from websocket_rows
    union all
    select * from other_documents
),

fields as (
    select
        records.*,
        case when document_shape = 'rest' then {{ json_text('record', '$[0]') }} else {{ json_text('record', '$.start') }} end as start_text,
        case when document_shape = 'rest' then {{ json_text('record', '$[1]') }} else {{ json_text('record', '$.open') }} end as open_text,
        case when document_shape = 'rest' then {{ json_text('record', '$[2]') }} else {{ json_text('record', '$.high') }} end as high_text,
        case when document_shape = 'rest' then {{ json_text('record', '$[3]') }} else {{ json_text('record', '$.low') }} end as low_text,
        case when document_shape = 'rest' then {{ json_text('record', '$[4]') }} else {{ json_text('record', '$.close') }} end as close_text,
        case when document_shape = 'rest' then {{ json_text('record', '$[5]') }} else {{ json_text('record', '$.volume') }} end as volume_text,
        case when document_shape = 'rest' then {{ json_text('record', '$[6]') }} else {{ json_text('record', '$.turnover') }} end as turnover_text,
        {{ try_to_bigint(json_text('record', '$.end')) }} as end_ms,
        {{ json_text('record', '$.interval') }} as interval_text,
        {{ json_text('record', '$.confirm') }} as confirm_text,
        {{ try_to_bigint(json_text('record', '$.timestamp')) }} as pushed_at_ms,
        -- inverse contracts (BTCUSD, BTCUSDZ25): volume is in USD contracts, turnover in coin
        coalesce(category = 'inverse', false)
            or {{ regex_capture('upper(instrument)', '^([A-Z0-9]+USD([A-Z][0-9]{2})?)$') }} <> '' as is_inverse
    from records
),

typed as (
    select
        fields.*,
        {{ try_to_bigint('start_text') }} as open_time_ms,
        {{ try_to_double('volume_text') }} as volume_number,
        {{ try_to_double('turnover_text') }} as turnover_number
    from fields
),

rest_spans as (
    select
        typed.*,
        -- a REST response's rows are consecutive bars of one interval
        case
            when document_shape = 'rest' and count(open_time_ms) over (partition by source_file, document_text) > 1
                then (max(open_time_ms) over (partition by source_file, document_text)
                    - min(open_time_ms) over (partition by source_file, document_text))
                    / (count(open_time_ms) over (partition by source_file, document_text) - 1) / 1000
            when document_shape = 'rest' then 60
        end as rest_interval_seconds
    from typed
),

parsed as (
    select
        'kline-jsonl' as source_format,
        source_file,
        coalesce(instrument || ' ' || cast(record as {{ dbt.type_string() }}), document_text) as raw_record,
        'bybit' as venue,
        instrument,
        {{ venue_base_symbol('instrument') }} as symbol,
        case
            when document_shape = 'rest' then rest_interval_seconds
            when end_ms > open_time_ms then round((end_ms - open_time_ms + 1) / 1000.0)
            -- interval in minutes, or D / W (a month has no fixed length: invalid_interval)
            when interval_text = 'D' then 86400
            when interval_text = 'W' then 604800
            else {{ try_to_bigint('interval_text') }} * 60
        end as bar_interval_seconds,
        open_time_ms,
        {{ try_to_double('open_text') }} as open_value,
        {{ try_to_double('high_text') }} as high_value,
        {{ try_to_double('low_text') }} as low_value,
        {{ try_to_double('close_text') }} as close_value,
        case when is_inverse then turnover_number else volume_number end as volume_value,
        case when is_inverse then volume_number else turnover_number end as quote_volume_value,
        cast(null as {{ dbt.type_bigint() }}) as count_value,
        case
            when record is null then 'not_a_kline_message'
            when start_text is null and open_text is null then 'not_a_kline_message'
        end as format_quarantine_reason,
        case lower(confirm_text) when 'true' then true when 'false' then false end as is_final_bar,
        pushed_at_ms as update_order
    from rest_spans
),

checked as (
    {{ venue_price_bars_checked('parsed') }}
),

final as (
    {{ venue_price_bars_final('checked') }}
)

select * from final
