-- Every record of Bybit v5 `allLiquidation.{symbol}` messages saved as JSON lines (format
-- all-liquidation-jsonl): {"topic","type","ts","data":[{T,s,S,v,p}, ...]}. One row per element
-- of data[] (a message carries several); a message without data[] (a subscription reply...) is
-- one quarantined row. S is the POSITION side (Buy = a long was liquidated), p the bankruptcy
-- price. See docs/formats.md.
with

raw as (
    select document, source_file, entry_symbol
    from {{ source('venue_files', 'all_liquidation_jsonl') }}
    -- a line that is not JSON: quarantined as malformed_json by stg_venue_files__quarantine
    where document is not null
),

records as (
    select
        source_file,
        cast(document as {{ dbt.type_string() }}) as document_text,
        {{ json_items_or_null('document', '$.data') }} as record
    from raw
),

parsed as (
    select
        'all-liquidation-jsonl' as source_format,
        source_file,
        coalesce(cast(record as {{ dbt.type_string() }}), document_text) as raw_record,
        'bybit' as venue,
        {{ json_text('record', '$.s') }} as instrument,
        {{ venue_base_symbol(json_text('record', '$.s')) }} as symbol,
        case lower(trim({{ json_text('record', '$.S') }})) when 'buy' then 'long' when 'sell' then 'short' end as side,
        {{ try_to_double(json_text('record', '$.v')) }} as quantity,
        {{ try_to_double(json_text('record', '$.p')) }} as price,
        'bankruptcy' as price_basis,
        {{ try_to_bigint(json_text('record', '$.T')) }} as liquidated_at_ms,
        false as is_snapshot_sampled,
        case when record is null then 'not_a_liquidation_message' end as format_quarantine_reason,
        coalesce(cast(record as {{ dbt.type_string() }}), document_text) as dedupe_key,
        0 as dedupe_preference
    from records
),

checked as (
    {{ venue_liquidations_checked('parsed') }}
),

final as (
    {{ venue_liquidations_final('checked') }}
)

select * from final
