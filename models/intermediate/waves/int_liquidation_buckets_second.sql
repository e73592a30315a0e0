{{ config(
    materialized=incremental_materialization(),
    incremental_strategy=incremental_strategy('delete+insert'),
    unique_key=['venue', 'symbol', 'bucket_at'],
    on_schema_change='fail'
) }}
-- Per-second liquidation series WITH A SPINE: one row per venue x symbol x second, zeros where
-- nothing was liquidated. Only over [wave_second_grain_start, wave_second_grain_end) (default the
-- waterfall hour 20:45-21:45, 3,600 s x 32 = ~115k rows): the whole 16 h window would be 1.8M
-- mostly-empty rows for questions asked about one hour. Fills outside that window are not here;
-- use int_liquidation_buckets_minute for the whole event window.
{{ liquidation_buckets('second', var('wave_second_grain_start'), var('wave_second_grain_end')) }}
