-- Every record of Binance USDⓈ-M forceOrder liquidations, whatever the file format: one reader
-- per format (its CTEs prefixed jsonl_ / csv_), then one set of checks. Each format keeps its own
-- duplicate detection and row numbering (venue_liquidations_checked partitions by source_format),
-- so a row's reason and number do not depend on which other formats are configured.
--  - forceorder-jsonl: websocket messages saved as JSON lines,
--    {"e":"forceOrder","E":..,"o":{s,S,o,f,q,p,ap,X,l,z,T}}, bare or wrapped by the combined
--    stream ({"stream":..,"data":{..}}). One row per document; a document that is not a
--    forceOrder event (a subscription reply...) is kept and quarantined.
--  - forceorder-csv: the flat captures found in the wild: no header, positional columns
--    s,S,o,f,q,p,ap,X,l,z,T,usd_size, symbol often with USDT stripped, `ap` sometimes the literal
--    None, usd_size computed by the logger (z x p). One row per line.
-- quarantine_reason is null for a loaded row. See docs/formats.md.
with


jsonl_raw as (
    select document, source_file, entry_symbol
    from {{ source('venue_files', 'forceorder_jsonl') }}
    -- a line that is not JSON: quarantined as malformed_json by stg_venue_files__quarantine
    where document is not null
),

jsonl_orders as (
    select
        source_file,
        cast(document as {{ dbt.type_string() }}) as raw_record,
        coalesce({{ json_value('document', '$.o') }}, {{ json_value('document', '$.data.o') }}) as liquidation_order
    from jsonl_raw
),

jsonl_typed as (
    select
        jsonl_orders.*,
        {{ json_text('liquidation_order', '$.s') }} as instrument,
        {{ json_text('liquidation_order', '$.S') }} as order_side,
        {{ try_to_double(json_text('liquidation_order', '$.z')) }} as filled_quantity,
        {{ try_to_double(json_text('liquidation_order', '$.p')) }} as order_price,
        {{ try_to_double(json_text('liquidation_order', '$.ap')) }} as average_price,
        {{ try_to_bigint(json_text('liquidation_order', '$.T')) }} as trade_time_ms
    from jsonl_orders
),

jsonl_parsed as (
    select
        'forceorder-jsonl' as source_format,
        source_file,
        raw_record,
        'binance' as venue,
        instrument,
        {{ venue_base_symbol('instrument') }} as symbol,
        -- Binance sends the side of the liquidation ORDER: SELL closes a long.
        case upper(trim(order_side)) when 'SELL' then 'long' when 'BUY' then 'short' end as side,
        filled_quantity as quantity,
        case when average_price > 0 then average_price else order_price end as price,
        case when average_price > 0 then 'average_fill' else 'order' end as price_basis,
        trade_time_ms as liquidated_at_ms,
        true as is_snapshot_sampled,
        case when liquidation_order is null then 'not_a_liquidation_message' end as format_quarantine_reason,
        cast(liquidation_order as {{ dbt.type_string() }}) as dedupe_key,
        0 as dedupe_preference
    from jsonl_typed
),


csv_raw as (
    select * from {{ source('venue_files', 'forceorder_csv') }}
),

csv_typed as (
    select
        csv_raw.*,
        concat_ws(',', c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11) as raw_record,
        {{ try_to_double('c05') }} as order_price,
        case when upper(trim(c06)) in ('NONE', 'NULL', 'NAN', '') then null else c06 end as average_price_text,
        {{ try_to_double('c09') }} as filled_quantity,
        {{ try_to_bigint('c10') }} as trade_time_ms,
        {{ try_to_double('c11') }} as logged_usd_size
    from csv_raw
),

csv_parsed as (
    select
        'forceorder-csv' as source_format,
        source_file,
        raw_record,
        'binance' as venue,
        c00 as instrument,
        {{ venue_base_symbol('c00') }} as symbol,
        -- Binance sends the side of the liquidation ORDER: SELL closes a long.
        case upper(trim(c01)) when 'SELL' then 'long' when 'BUY' then 'short' end as side,
        filled_quantity as quantity,
        case
            when {{ try_to_double('average_price_text') }} > 0 then {{ try_to_double('average_price_text') }}
            else order_price
        end as price,
        case
            when {{ try_to_double('average_price_text') }} > 0 then 'average_fill'
            else 'order'
        end as price_basis,
        trade_time_ms as liquidated_at_ms,
        true as is_snapshot_sampled,
        case
            when c09 is not null and filled_quantity is null then 'unparseable_quantity'
            when c05 is not null and order_price is null then 'unparseable_price'
            when average_price_text is not null and {{ try_to_double('average_price_text') }} is null
                then 'unparseable_average_price'
            when c10 is not null and trade_time_ms is null then 'unparseable_time'
            when c11 is not null and logged_usd_size is null then 'unparseable_usd_size'
            -- The logger wrote usd_size = z x p; a row where that no longer holds was corrupted
            -- between the stream and the file, so none of its numbers are trusted.
            when logged_usd_size is not null and filled_quantity is not null and order_price is not null
                and abs(logged_usd_size - filled_quantity * order_price)
                    > 0.01 * abs(filled_quantity * order_price) + 0.01 then 'inconsistent_usd_size'
        end as format_quarantine_reason,
        raw_record as dedupe_key,
        0 as dedupe_preference
    from csv_typed
),

parsed as (
    select * from jsonl_parsed
    union all
    select * from csv_parsed
),

checked as (
    {{ venue_liquidations_checked('parsed') }}
),

final as (
    {{ venue_liquidations_final('checked') }}
)

select * from final
