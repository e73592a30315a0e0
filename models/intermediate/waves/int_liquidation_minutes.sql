{{ config(materialized='table') }}
-- Per-minute liquidation series WITH A SPINE: one row per venue x symbol x minute of the event
-- window, zeros where nothing was liquidated (quiet periods are rows, not gaps). Venues and
-- symbols come from the reference seeds, so a venue-symbol without fills is a row of zeros too.
-- The one pass over the fills behind every per-minute figure: fct_market_minutes (beside the
-- price bars) and the wave series (int_liquidation_minutes_by_scope). ~31k rows (960 minutes x 32).
-- Read from int_liquidations_unioned, the fills fct_liquidations is built from (the same rows:
-- fct_liquidations keeps every fill, a missing position only leaves its position columns null),
-- not from the mart: intermediate models feed the marts, never the reverse. Every fill is inside
-- the spine (staging quarantines fills outside the event window or of an unknown venue or
-- symbol); tests/waves/assert_wave_notional_plus_outside_notional_equals_total would fail if one
-- were not.
-- A table rebuilt on every run that reads new fills (1.3 s at 2.1M fills): incremental, a run
-- scanned every fill anyway to find the minutes whose counts changed.
{%- set window_start_sql = "cast('" ~ var('event_window_start') ~ "' as " ~ dbt.type_timestamp() ~ ")" %}
{%- set window_end_sql = "cast('" ~ var('event_window_end') ~ "' as " ~ dbt.type_timestamp() ~ ")" %}
with

liquidations as (
    select
        liquidation_id,
        venue,
        symbol,
        is_long,
        is_shown_in_public_feed,
        -- money as the mart holds it (usd_amount: a millionth of a dollar, README "Types"), back
        -- in DOUBLE to compute: a minute here adds up to the same bits as its fills in
        -- fct_liquidations
        cast({{ usd_amount('notional_usd') }} as {{ type_double() }}) as notional_usd,
        liquidated_at,
        {{ dbt.date_trunc('minute', 'liquidated_at') }} as liquidated_minute_at
    from {{ ref('int_liquidations_unioned') }}
),

exchanges as (
    select exchange_id from {{ ref('exchanges') }}
),

symbols as (
    select symbol from {{ ref('symbols') }}
),

spine as (
    {{ time_spine(window_start_sql, window_end_sql, 'minute') }}
),

grid as (
    select
        exchanges.exchange_id as venue,
        symbols.symbol,
        spine.bucket_at as liquidated_minute_at
    from spine
    cross join exchanges
    cross join symbols
),

per_minute as (
    -- exact sums of the millionths (exact_sum): the same bits on every build, whatever order
    -- the parallel scan delivers the fills in, and a spillable aggregate
    select
        venue,
        symbol,
        liquidated_minute_at,
        count(*) as liquidation_count,
        {{ exact_sum('notional_usd') }} as notional_usd,
        {{ exact_sum('case when is_long then notional_usd else 0 end') }} as long_notional_usd,
        {{ exact_sum('case when is_shown_in_public_feed then notional_usd else 0 end') }}
            as public_feed_notional_usd,
        min(liquidated_at) as first_liquidated_at
    from liquidations
    group by 1, 2, 3
),

final as (
    select
        grid.venue,
        grid.symbol,
        grid.liquidated_minute_at,
        coalesce(per_minute.liquidation_count, 0) as liquidation_count,
        coalesce(per_minute.notional_usd, 0) as notional_usd,
        coalesce(per_minute.long_notional_usd, 0) as long_notional_usd,
        coalesce(per_minute.public_feed_notional_usd, 0) as public_feed_notional_usd,
        per_minute.first_liquidated_at,
        {{ incremental_loaded_at() }} as loaded_at
    from grid
    left join per_minute
        on grid.venue = per_minute.venue
        and grid.symbol = per_minute.symbol
        and grid.liquidated_minute_at = per_minute.liquidated_minute_at
)

select * from final
