-- Every record of raw Binance USDⓈ-M `forceOrder` websocket messages saved as JSON lines (format
-- forceorder-jsonl): {"e":"forceOrder","E":..,"o":{s,S,o,f,q,p,ap,X,l,z,T}}, bare or wrapped by
-- the combined stream ({"stream":..,"data":{..}}). One row per document; a document that is not
-- a forceOrder event (a subscription reply...) is kept and quarantined. See docs/formats.md.
with

raw as (
    {{ venue_raw_json('forceorder-jsonl') }}
),

orders as (
    select
        source_file,
        cast(document as {{ dbt.type_string() }}) as raw_record,
        coalesce({{ json_value('document', '$.o') }}, {{ json_value('document', '$.data.o') }}) as liquidation_order
    from raw
),

typed as (
    select
        orders.*,
        {{ json_text('liquidation_order', '$.s') }} as instrument,
        {{ json_text('liquidation_order', '$.S') }} as order_side,
        {{ try_to_double(json_text('liquidation_order', '$.z')) }} as filled_quantity,
        {{ try_to_double(json_text('liquidation_order', '$.p')) }} as order_price,
        {{ try_to_double(json_text('liquidation_order', '$.ap')) }} as average_price,
        {{ try_to_bigint(json_text('liquidation_order', '$.T')) }} as trade_time_ms
    from orders
),

parsed as (
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
    from typed
),

checked as (
    {{ venue_liquidations_checked('parsed') }}
),

final as (
    {{ venue_liquidations_final('checked') }}
)

select * from final
