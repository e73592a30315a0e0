-- One row per market-wide cascade wave x venue with fills in it: the venue's notional and count in
-- the wave, its first and peak minute, when its OWN series first crossed its wave threshold, and
-- how many seconds it crossed behind the leading venue (the first venue to cross).
with

segmented as (
    select * from {{ ref('int_waves_segmented') }}
),

market_waves as (
    select
        wave_id,
        min(wave_first_bucket_at) as wave_first_bucket_at,
        max(wave_last_bucket_at) as wave_last_bucket_at
    from segmented
    where scope = 'market'
        and wave_id is not null
    group by 1
),

venue_buckets_in_waves as (
    select
        market_waves.wave_id,
        segmented.scope as venue,
        segmented.bucket_at,
        segmented.liquidation_count,
        segmented.notional_usd,
        segmented.long_notional_usd,
        segmented.first_liquidated_at,
        segmented.is_above_threshold
    from segmented
    inner join market_waves
        on segmented.bucket_at between market_waves.wave_first_bucket_at and market_waves.wave_last_bucket_at
    where segmented.scope <> 'market'
),

peaks as (
    select
        wave_id,
        venue,
        bucket_at as peak_bucket_at,
        row_number() over (partition by wave_id, venue order by notional_usd desc, bucket_at) as peak_rank
    from venue_buckets_in_waves
),

crossings as (
    select
        wave_id,
        venue,
        bucket_at as first_above_threshold_bucket_at,
        first_liquidated_at as crossed_threshold_at,
        row_number() over (partition by wave_id, venue order by bucket_at) as crossing_rank
    from venue_buckets_in_waves
    where is_above_threshold
),

per_venue as (
    select
        wave_id,
        venue,
        sum(notional_usd) as notional_usd,
        sum(liquidation_count) as liquidation_count,
        sum(long_notional_usd) as long_notional_usd,
        min(first_liquidated_at) as first_liquidated_at,
        min(case when liquidation_count > 0 then bucket_at end) as first_bucket_at
    from venue_buckets_in_waves
    group by 1, 2
    having sum(liquidation_count) > 0
),

joined as (
    select
        per_venue.*,
        peaks.peak_bucket_at,
        crossings.first_above_threshold_bucket_at,
        crossings.crossed_threshold_at
    from per_venue
    left join peaks
        on per_venue.wave_id = peaks.wave_id
        and per_venue.venue = peaks.venue
        and peaks.peak_rank = 1
    left join crossings
        on per_venue.wave_id = crossings.wave_id
        and per_venue.venue = crossings.venue
        and crossings.crossing_rank = 1
),

ranked as (
    select
        *,
        -- the leader crossed its own threshold first; ties within a minute go to the earlier
        -- first fill of that minute, then to the venue id (deterministic)
        case when crossed_threshold_at is not null then
            row_number() over (
                partition by wave_id
                order by case when crossed_threshold_at is null then 1 else 0 end, crossed_threshold_at, venue
            )
        end as crossing_order
    from joined
),

leaders as (
    select
        wave_id,
        venue as leading_venue,
        crossed_threshold_at as leader_crossed_threshold_at
    from ranked
    where crossing_order = 1
),

final as (
    select
        ranked.wave_id || ':' || ranked.venue as wave_venue_id,
        ranked.wave_id,
        ranked.venue,
        ranked.notional_usd,
        cast(ranked.liquidation_count as {{ dbt.type_bigint() }}) as liquidation_count,
        case when ranked.notional_usd > 0 then ranked.long_notional_usd / ranked.notional_usd end as long_share,
        ranked.first_liquidated_at,
        ranked.first_bucket_at,
        ranked.peak_bucket_at,
        ranked.first_above_threshold_bucket_at,
        ranked.crossed_threshold_at,
        cast(ranked.crossing_order as {{ dbt.type_bigint() }}) as crossing_order,
        coalesce(ranked.crossing_order = 1, false) as is_leading_venue,
        leaders.leading_venue,
        cast(({{ dbt.datediff('leaders.leader_crossed_threshold_at', 'ranked.crossed_threshold_at', 'millisecond') }}) / 1000.0
            as {{ type_double() }}) as lag_seconds_behind_leader
    from ranked
    left join leaders
        on ranked.wave_id = leaders.wave_id
)

-- typed: one type per kind of column (macros/types.sql, README "Types")
select
    wave_venue_id,
    wave_id,
    venue,
    {{ usd_amount('notional_usd') }} as notional_usd,
    {{ count_value('liquidation_count') }} as liquidation_count,
    {{ measure_value('long_share') }} as long_share,
    {{ utc_timestamp('first_liquidated_at') }} as first_liquidated_at,
    {{ utc_timestamp('first_bucket_at') }} as first_bucket_at,
    {{ utc_timestamp('peak_bucket_at') }} as peak_bucket_at,
    {{ utc_timestamp('first_above_threshold_bucket_at') }} as first_above_threshold_bucket_at,
    {{ utc_timestamp('crossed_threshold_at') }} as crossed_threshold_at,
    {{ count_value('crossing_order') }} as crossing_order,
    is_leading_venue,
    leading_venue,
    {{ measure_value('lag_seconds_behind_leader') }} as lag_seconds_behind_leader
from final
