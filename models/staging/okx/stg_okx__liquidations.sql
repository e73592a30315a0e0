-- Every record of OKX `liquidation-orders` messages (websocket channel, or the REST response of
-- the same shape) saved as JSON lines (format liquidation-orders-jsonl):
-- {"arg":..,"data":[{instId, details:[{side,posSide,bkPx,sz,bkLoss,ts}, ...]}, ...]}. One row
-- per details[] element; a message without data is one quarantined row. `sz` is in CONTRACTS:
-- quantity = sz x the instrument's contract value (seed okx_contract_values); `ts` is a string;
-- bkPx is the bankruptcy price. See docs/formats.md.
with

raw as (
    select document, source_file, entry_symbol
    from {{ source('venue_files', 'liquidation_orders_jsonl') }}
    -- a line that is not JSON: quarantined as malformed_json by stg_venue_files__quarantine
    where document is not null
),

contract_values as (
    select * from {{ ref('okx_contract_values') }}
),

instruments as (
    select
        source_file,
        cast(document as {{ dbt.type_string() }}) as document_text,
        {{ json_items_or_null('document', '$.data') }} as instrument_record
    from raw
),

details as (
    select
        source_file,
        document_text,
        {{ json_text('instrument_record', '$.instId') }} as instrument,
        {{ json_items_or_null('instrument_record', '$.details') }} as detail
    from instruments
),

parsed as (
    select
        'liquidation-orders-jsonl' as source_format,
        details.source_file,
        coalesce(details.instrument || ' ' || cast(details.detail as {{ dbt.type_string() }}), details.document_text) as raw_record,
        'okx' as venue,
        details.instrument,
        {{ venue_base_symbol('details.instrument') }} as symbol,
        -- posSide is the liquidated position's side in hedge mode; in net mode it is `net` and
        -- the order side tells it (a sell order closes a long).
        case
            when lower({{ json_text('details.detail', '$.posSide') }}) in ('long', 'short')
                then lower({{ json_text('details.detail', '$.posSide') }})
            when lower({{ json_text('details.detail', '$.side') }}) = 'sell' then 'long'
            when lower({{ json_text('details.detail', '$.side') }}) = 'buy' then 'short'
        end as side,
        {{ try_to_double(json_text('details.detail', '$.sz')) }} * contract_values.contract_value as quantity,
        {{ try_to_double(json_text('details.detail', '$.bkPx')) }} as price,
        'bankruptcy' as price_basis,
        {{ try_to_bigint(json_text('details.detail', '$.ts')) }} as liquidated_at_ms,
        -- OKX: "This data doesn't represent the total number of liquidations on OKX".
        true as is_snapshot_sampled,
        case
            when details.detail is null then 'not_a_liquidation_message'
            when contract_values.contract_value is null then 'unknown_contract_value'
        end as format_quarantine_reason,
        coalesce(details.instrument || ' ' || cast(details.detail as {{ dbt.type_string() }}), details.document_text) as dedupe_key,
        0 as dedupe_preference
    from details
    left join contract_values
        on details.instrument = contract_values.inst_id
),

checked as (
    {{ venue_liquidations_checked('parsed') }}
),

final as (
    {{ venue_liquidations_final('checked') }}
)

select * from final
