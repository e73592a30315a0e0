-- The per-minute series of every scope (market, each venue) cut into cascade waves by the
-- segment_waves macro (gaps-and-islands; thresholds are the wave_* vars). One row per scope x
-- minute; wave_number is null outside waves.
with

series as (
    select * from {{ ref('int_liquidation_minutes_by_scope') }}
),

segmented as (
    {{ segment_waves(
        relation='series',
        partition_by=['scope'],
        bucket_column='bucket_at',
        value_column='notional_usd'
    ) }}
),

final as (
    select
        scope,
        bucket_at,
        liquidation_count,
        notional_usd,
        long_notional_usd,
        first_liquidated_at,
        bucket_index,
        baseline_value as baseline_notional_usd,
        threshold_value as threshold_notional_usd,
        is_above_threshold,
        wave_number,
        case when wave_number is not null then scope || ':' || cast(wave_number as {{ dbt.type_string() }}) end as wave_id,
        wave_first_bucket_at,
        wave_last_bucket_at
    from segmented
)

select * from final
