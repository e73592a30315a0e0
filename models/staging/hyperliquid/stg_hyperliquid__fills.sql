-- Every fill of Hyperliquid fill captures saved as JSON lines (format fills-jsonl), in any of the
-- three shapes the API and node data use: a bare fill object (WsFill, optionally with "user"),
-- a `userFills` message ({"channel":"userFills","data":{"user":..,"fills":[..]}}) or a node
-- fills-by-block line ({"block_time",..,"events":[[user, fill], ..]}). One row per fill; a line
-- of none of these shapes is one quarantined row. A fill is a liquidation fill iff it carries a
-- `liquidation` object; other fills are kept and quarantined as `not_a_liquidation_fill`.
-- Node data holds each trade twice (both sides): the copy that is not the liquidated user's is
-- quarantined as a duplicate of the same trade (coin + tid). See docs/formats.md.
with

raw as (
    {{ venue_raw_json('fills-jsonl') }}
),

documents as (
    select
        source_file,
        document,
        cast(document as {{ dbt.type_string() }}) as document_text,
        case
            when {{ json_text('document', '$.coin') }} is not null then 'fill'
            when {{ json_text('document', '$.data.user') }} is not null then 'user_fills'
            when {{ json_text('document', '$.block_time') }} is not null then 'block'
        end as document_shape
    from raw
),

bare_fills as (
    select
        source_file,
        document_text,
        {{ json_text('document', '$.user') }} as fill_user,
        document as fill
    from documents
    where document_shape = 'fill'
),

user_fills as (
    select
        source_file,
        document_text,
        {{ json_text('document', '$.data.user') }} as fill_user,
        {{ json_items_or_null('document', '$.data.fills') }} as fill
    from documents
    where document_shape = 'user_fills'
),

block_events as (
    select
        source_file,
        document_text,
        {{ json_items_or_null('document', '$.events') }} as event
    from documents
    where document_shape = 'block'
),

block_fills as (
    select
        source_file,
        document_text,
        {{ json_text('event', '$[0]') }} as fill_user,
        {{ json_value('event', '$[1]') }} as fill
    from block_events
),

other_documents as (
    select
        source_file,
        document_text,
        cast(null as {{ dbt.type_string() }}) as fill_user,
        cast(null as {{ type_json() }}) as fill
    from documents
    where document_shape is null
),

fills as (
    select * from bare_fills
    union all
    select * from user_fills
    union all
    select * from block_fills
    union all
    select * from other_documents
),

typed as (
    select
        fills.*,
        {{ json_text('fill', '$.coin') }} as coin,
        {{ json_text('fill', '$.side') }} as fill_side,
        {{ json_text('fill', '$.tid') }} as trade_id,
        {{ json_value('fill', '$.liquidation') }} as liquidation,
        {{ json_text('fill', '$.liquidation.liquidatedUser') }} as liquidated_user
    from fills
),

attributed as (
    select
        typed.*,
        -- The liquidated user's own fill (liquidatedUser absent, or equal to the fill's user):
        -- its side closes the position (A = sell closes a long). A counterparty's fill (a
        -- liquidator, the backstop vault or an ADL'd account) is the opposite side of the trade.
        (liquidated_user is null or fill_user is null or fill_user = liquidated_user) as is_liquidated_users_fill
    from typed
),

parsed as (
    select
        'fills-jsonl' as source_format,
        source_file,
        coalesce(cast(fill as {{ dbt.type_string() }}), document_text) as raw_record,
        'hyperliquid' as venue,
        coin as instrument,
        {{ venue_base_symbol('coin') }} as symbol,
        case
            when is_liquidated_users_fill and upper(fill_side) = 'A' then 'long'
            when is_liquidated_users_fill and upper(fill_side) = 'B' then 'short'
            when not is_liquidated_users_fill and upper(fill_side) = 'B' then 'long'
            when not is_liquidated_users_fill and upper(fill_side) = 'A' then 'short'
        end as side,
        {{ try_to_double(json_text('fill', '$.sz')) }} as quantity,
        {{ try_to_double(json_text('fill', '$.px')) }} as price,
        'fill' as price_basis,
        {{ try_to_bigint(json_text('fill', '$.time')) }} as liquidated_at_ms,
        false as is_snapshot_sampled,
        case
            when fill is null then 'not_a_liquidation_message'
            when liquidation is null then 'not_a_liquidation_fill'
        end as format_quarantine_reason,
        coalesce(coin || ':' || trade_id, cast(fill as {{ dbt.type_string() }}), document_text) as dedupe_key,
        case when is_liquidated_users_fill then 0 else 1 end as dedupe_preference
    from attributed
),

checked as (
    {{ venue_liquidations_checked('parsed') }}
),

final as (
    {{ venue_liquidations_final('checked') }}
)

select * from final
