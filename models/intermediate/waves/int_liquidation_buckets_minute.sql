{{ config(
    materialized=incremental_materialization(),
    incremental_strategy=incremental_strategy('delete+insert'),
    unique_key=['venue', 'symbol', 'bucket_at'],
    on_schema_change='fail'
) }}
-- Per-minute liquidation series WITH A SPINE: one row per venue x symbol x minute of the event
-- window, zeros where nothing was liquidated (quiet periods are rows, not gaps). Venues and
-- symbols come from the reference seeds, so a venue-symbol without fills is a row of zeros too.
-- A table: every wave model reads it, and it is small (960 minutes x 32 = ~31k rows).
{{ liquidation_buckets('minute', var('event_window_start'), var('event_window_end')) }}
