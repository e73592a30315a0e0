-- Every fill of Hyperliquid fill captures saved as JSON lines (format fills-jsonl), in any of the
-- three shapes the API and node data use: a bare fill object (WsFill, optionally with "user"),
-- a `userFills` message ({"channel":"userFills","data":{"user":..,"fills":[..]}}) or a node
-- fills-by-block line ({"block_time",..,"events":[[user, fill], ..]}). One row per fill; a line
-- of none of these shapes is one quarantined row. A fill is a liquidation fill iff it carries a
-- `liquidation` object; other fills are kept and quarantined as `not_a_liquidation_fill`.
-- Node data holds each trade twice (both sides): the copy that is not the liquidated user's is
-- quarantined as a duplicate of the same trade (coin + tid). Without a `user`, which copy is the
-- liquidated user's is read from the fills' own dir / startPosition / crossed (see `attributed`
-- and `sided` below), never from the raw text's order; a trade whose copies still disagree is
-- quarantined as `ambiguous_liquidated_side`. See docs/formats.md.
with

raw as (
    select document, source_file, entry_symbol
    from {{ source('venue_files', 'fills_jsonl') }}
    -- a line that is not JSON: quarantined as malformed_json by stg_venue_files__quarantine
    where document is not null
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
        upper({{ json_text('fill', '$.side') }}) as fill_side,
        {{ json_text('fill', '$.tid') }} as trade_id,
        {{ json_text('fill', '$.dir') }} as direction,
        {{ try_to_double(json_text('fill', '$.startPosition')) }} as start_position,
        lower({{ json_text('fill', '$.crossed') }}) = 'true' as is_taker,
        {{ json_value('fill', '$.liquidation') }} as liquidation,
        {{ json_text('fill', '$.liquidation.liquidatedUser') }} as liquidated_user
    from fills
),

attributed as (
    select
        typed.*,
        liquidated_user is not null and fill_user is not null as is_role_known,
        -- Is this the liquidated user's own fill? With both users known, they say it. Without
        -- one, the fill's own fields do: a liquidation only REDUCES the liquidated position, so
        -- a fill that opens or flips one ("Open Long", "Long > Short") is a counterparty's; a
        -- closing one ("Close Long" / "Close Short"; without dir, A from a long or B from a
        -- short by startPosition) may be the liquidated user's.
        case
            when liquidated_user is not null and fill_user is not null then fill_user = liquidated_user
            when direction is not null then not (direction like 'Open %' or direction like '% > %')
            when start_position is not null
                then (fill_side = 'A' and start_position > 0) or (fill_side = 'B' and start_position < 0)
            else true
        end as is_liquidated_users_fill
    from typed
),

sided as (
    select
        attributed.*,
        -- The liquidated user's fill closes its position (A = sell closes a long); a
        -- counterparty's fill (a liquidator, the backstop vault, an ADL'd account) is the
        -- opposite side of the same trade.
        case
            when is_liquidated_users_fill and fill_side = 'A' then 'long'
            when is_liquidated_users_fill and fill_side = 'B' then 'short'
            when not is_liquidated_users_fill and fill_side = 'B' then 'long'
            when not is_liquidated_users_fill and fill_side = 'A' then 'short'
        end as side,
        -- which copy of a trade held twice (node data: both sides) is kept: the one known to be
        -- the liquidated user's, else a possible one that took liquidity (the liquidation
        -- order is a market order: the taker), else any other possible one, else a
        -- counterparty's. Never the raw text's sort order.
        case
            when is_role_known and is_liquidated_users_fill then 0
            when is_liquidated_users_fill and is_taker then 1
            when is_liquidated_users_fill then 2
            else 3
        end as dedupe_preference,
        coalesce(coin || ':' || trade_id, cast(fill as {{ dbt.type_string() }}), document_text) as dedupe_key
    from attributed
),

best_copies as (
    select
        sided.*,
        min(case when liquidation is not null then dedupe_preference end) over (partition by dedupe_key) as best_preference
    from sided
),

side_agreement as (
    select
        best_copies.*,
        -- the best copies of one trade imply different liquidated sides (two closing fills,
        -- both or neither the taker): the fills cannot tell which account was liquidated
        min(case when liquidation is not null and dedupe_preference = best_preference then side end)
            over (partition by dedupe_key)
        <> max(case when liquidation is not null and dedupe_preference = best_preference then side end)
            over (partition by dedupe_key) as is_side_ambiguous
    from best_copies
),

parsed as (
    select
        'fills-jsonl' as source_format,
        source_file,
        coalesce(cast(fill as {{ dbt.type_string() }}), document_text) as raw_record,
        'hyperliquid' as venue,
        coin as instrument,
        {{ venue_base_symbol('coin') }} as symbol,
        side,
        {{ try_to_double(json_text('fill', '$.sz')) }} as quantity,
        {{ try_to_double(json_text('fill', '$.px')) }} as price,
        'fill' as price_basis,
        {{ try_to_bigint(json_text('fill', '$.time')) }} as liquidated_at_ms,
        false as is_snapshot_sampled,
        case
            when fill is null then 'not_a_liquidation_message'
            when liquidation is null then 'not_a_liquidation_fill'
            when is_side_ambiguous then 'ambiguous_liquidated_side'
        end as format_quarantine_reason,
        dedupe_key,
        dedupe_preference
    from side_agreement
),

checked as (
    {{ venue_liquidations_checked('parsed') }}
),

final as (
    {{ venue_liquidations_final('checked') }}
)

select * from final
