-- One row per cascade wave, market-wide (scope 'market') and per venue (scope = venue id): when it
-- started, peaked and ended, how much was liquidated, the long share, the reference symbol's
-- price drawdown during the wave, the notional per 1% of drawdown, and which venue led.
with

segmented as (
    select * from {{ ref('int_waves_segmented') }}
),

price_bars as (
    select * from {{ ref('int_price_bars_unioned') }}
),

wave_venues as (
    {{ select_money_as_double(ref('fct_wave_venues')) }}
),

wave_buckets as (
    select * from segmented
    where wave_id is not null
),

waves as (
    select
        wave_id,
        scope,
        wave_number,
        min(wave_first_bucket_at) as started_at,
        {{ dbt.dateadd('minute', 1, 'max(wave_last_bucket_at)') }} as ended_at,
        sum(notional_usd) as notional_usd,
        sum(liquidation_count) as liquidation_count,
        sum(long_notional_usd) as long_notional_usd,
        sum(case when is_above_threshold then 1 else 0 end) as above_threshold_bucket_count,
        min(first_liquidated_at) as first_liquidated_at
    from wave_buckets
    group by 1, 2, 3
),

peaks as (
    select
        wave_id,
        bucket_at as peak_bucket_at,
        notional_usd as peak_bucket_notional_usd,
        row_number() over (partition by wave_id order by notional_usd desc, bucket_at) as peak_rank
    from wave_buckets
),

reference_bars as (
    select
        waves.wave_id,
        price_bars.venue as reference_venue,
        price_bars.symbol as reference_symbol,
        price_bars.bar_opened_at,
        price_bars.high_price,
        price_bars.low_price
    from waves
    inner join price_bars
        on price_bars.venue = case when waves.scope = 'market' then '{{ var("wave_market_reference_venue") }}' else waves.scope end
        and price_bars.symbol = '{{ var("wave_reference_symbol") }}'
        and price_bars.bar_opened_at >= waves.started_at
        and price_bars.bar_opened_at < waves.ended_at
),

troughs as (
    select
        wave_id,
        reference_venue,
        reference_symbol,
        bar_opened_at as trough_bar_opened_at,
        low_price as trough_low_price,
        row_number() over (partition by wave_id order by low_price, bar_opened_at) as trough_rank
    from reference_bars
),

drawdowns as (
    -- highest high at or before the trough bar vs the trough's low
    select
        troughs.wave_id,
        troughs.reference_venue,
        troughs.reference_symbol,
        troughs.trough_bar_opened_at,
        troughs.trough_low_price,
        max(reference_bars.high_price) as high_before_trough_price
    from troughs
    inner join reference_bars
        on troughs.wave_id = reference_bars.wave_id
        and reference_bars.bar_opened_at <= troughs.trough_bar_opened_at
    where troughs.trough_rank = 1
    group by 1, 2, 3, 4, 5
),

leaders as (
    select distinct
        wave_id,
        leading_venue
    from wave_venues
),

final as (
    select
        waves.wave_id,
        waves.scope,
        -- counts: explicit BIGINT (DuckDB's sum of integers is HUGEINT, Spark's BIGINT)
        cast(waves.wave_number as {{ dbt.type_bigint() }}) as wave_number,
        waves.started_at,
        peaks.peak_bucket_at,
        waves.ended_at,
        {{ dbt.datediff('waves.started_at', 'waves.ended_at', 'second') }} as duration_seconds,
        waves.notional_usd,
        cast(waves.liquidation_count as {{ dbt.type_bigint() }}) as liquidation_count,
        case when waves.notional_usd > 0 then waves.long_notional_usd / waves.notional_usd end as long_share,
        peaks.peak_bucket_notional_usd,
        cast(waves.above_threshold_bucket_count as {{ dbt.type_bigint() }}) as above_threshold_bucket_count,
        waves.first_liquidated_at,
        case when waves.scope = 'market' then '{{ var("wave_market_reference_venue") }}' else waves.scope end as reference_venue,
        '{{ var("wave_reference_symbol") }}' as reference_symbol,
        drawdowns.high_before_trough_price as reference_high_price,
        drawdowns.trough_low_price as reference_low_price,
        drawdowns.trough_bar_opened_at as reference_trough_bar_at,
        1 - drawdowns.trough_low_price / drawdowns.high_before_trough_price as price_drawdown_rate,
        case when drawdowns.trough_low_price < drawdowns.high_before_trough_price
            then waves.notional_usd / (100 * (1 - drawdowns.trough_low_price / drawdowns.high_before_trough_price))
        end as notional_per_drawdown_pct_usd,
        case when waves.scope = 'market' then leaders.leading_venue else waves.scope end as leading_venue
    from waves
    left join peaks
        on waves.wave_id = peaks.wave_id
        and peaks.peak_rank = 1
    left join drawdowns
        on waves.wave_id = drawdowns.wave_id
    left join leaders
        on waves.wave_id = leaders.wave_id
)

-- typed: one type per kind of column (macros/types.sql, README "Types")
select
    wave_id,
    scope,
    {{ count_value('wave_number') }} as wave_number,
    {{ utc_timestamp('started_at') }} as started_at,
    {{ utc_timestamp('peak_bucket_at') }} as peak_bucket_at,
    {{ utc_timestamp('ended_at') }} as ended_at,
    {{ count_value('duration_seconds') }} as duration_seconds,
    {{ usd_amount('notional_usd') }} as notional_usd,
    {{ count_value('liquidation_count') }} as liquidation_count,
    {{ measure_value('long_share') }} as long_share,
    {{ usd_amount('peak_bucket_notional_usd') }} as peak_bucket_notional_usd,
    {{ count_value('above_threshold_bucket_count') }} as above_threshold_bucket_count,
    {{ utc_timestamp('first_liquidated_at') }} as first_liquidated_at,
    reference_venue,
    reference_symbol,
    {{ measure_value('reference_high_price') }} as reference_high_price,
    {{ measure_value('reference_low_price') }} as reference_low_price,
    {{ utc_timestamp('reference_trough_bar_at') }} as reference_trough_bar_at,
    {{ measure_value('price_drawdown_rate') }} as price_drawdown_rate,
    {{ usd_amount('notional_per_drawdown_pct_usd') }} as notional_per_drawdown_pct_usd,
    leading_venue
from final
