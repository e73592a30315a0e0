-- Which venue broke first in the largest market-wide wave, and how far behind the others were:
-- the order in which each venue's own liquidations crossed its wave threshold.
-- Run: dbt show --profiles-dir . -s first_venue_to_break
with

waves as (
    select * from {{ ref('fct_cascade_waves') }}
),

wave_venues as (
    select * from {{ ref('fct_wave_venues') }}
),

largest as (
    select wave_id, started_at, ended_at, notional_usd as wave_notional_usd
    from waves
    where scope = 'market'
    order by notional_usd desc
    limit 1
),

final as (
    select
        largest.wave_id,
        largest.started_at as wave_started_at,
        wave_venues.venue,
        wave_venues.crossing_order,
        wave_venues.crossed_threshold_at,
        wave_venues.lag_seconds_behind_leader,
        wave_venues.first_liquidated_at,
        wave_venues.peak_bucket_at,
        wave_venues.notional_usd,
        wave_venues.notional_usd / largest.wave_notional_usd as share_of_wave_notional
    from largest
    inner join wave_venues
        on largest.wave_id = wave_venues.wave_id
)

select * from final
order by case when crossing_order is null then 1 else 0 end, crossing_order, venue
