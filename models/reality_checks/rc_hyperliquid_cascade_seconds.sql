-- Reality check of the wave segmentation on REAL data: Hyperliquid's per-second liquidation fill
-- counts of 10 Oct 2025 (source real_hyperliquid: data/real/hyperliquid, see its NOTICE.md) on a
-- per-second spine, cut into waves by the SAME segment_waves macro the marts use. One row per
-- second. The file has counts, not notional, so the value is the fill count and the floor is a
-- count. DuckDB-only: the source is read with read_json; a reality check, not a mart, so it is
-- not made portable.
with

timing as (
    select * from {{ source('real_hyperliquid', 'cascade_timing') }}
),

seconds as (
    -- event_start is ISO 8601 in UTC ('2025-10-10T21:15:03.127372+00:00'); seconds are counted
    -- from it, so second k falls in the UTC second floor(event_start + k s)
    select
        date_trunc(
            'second',
            cast(replace(substr(timing.event_start, 1, 26), 'T', ' ') as timestamp)
                + to_seconds(cast(entry.second as bigint))
        ) as bucket_at,
        entry.liquidations as liquidation_count,
        entry.adls as adl_count
    from timing,
        unnest(timing.timeline) as timeline_entries (entry)
),

spine as (
    -- a minute of calm before the first fill (there were no Hyperliquid liquidations in it: the
    -- timeline starts at the first one) and a margin after its last entry (second 714, 21:26:57)
    {{ time_spine("timestamp '2025-10-10 21:14:00'", "timestamp '2025-10-10 21:28:00'", 'second') }}
),

series as (
    select
        'hyperliquid' as scope,
        spine.bucket_at,
        coalesce(seconds.liquidation_count, 0) as liquidation_count,
        coalesce(seconds.adl_count, 0) as adl_count
    from spine
    left join seconds
        on spine.bucket_at = seconds.bucket_at
),

segmented as (
    -- same macro and ratio / baseline / quiet defaults as the marts (buckets are seconds here);
    -- the floor is 10 fills a second, since the USD floor has no meaning for counts
    {{ segment_waves(
        relation='series',
        partition_by=['scope'],
        bucket_column='bucket_at',
        value_column='liquidation_count',
        min_value=10
    ) }}
),

final as (
    select
        bucket_at,
        liquidation_count,
        adl_count,
        baseline_value as baseline_liquidation_count,
        threshold_value as threshold_liquidation_count,
        is_above_threshold,
        wave_number
    from segmented
)

select * from final
