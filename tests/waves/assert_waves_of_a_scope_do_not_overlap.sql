-- Waves of the same scope (the market, or one venue) do not overlap: each starts at or after the
-- previous one's (exclusive) ended_at. (assert_each_liquidation_is_in_at_most_one_market_wave
-- sees only market waves that hold fills.) Fails with each wave that starts inside the previous
-- one of its scope. Formerly the publish gate's waves.waves_do_not_overlap.
with

waves as (
    select * from {{ ref('fct_cascade_waves') }}
),

ordered as (
    select
        scope,
        lag(wave_id) over (partition by scope order by started_at, ended_at) as previous_wave_id,
        lag(ended_at) over (partition by scope order by started_at, ended_at) as previous_ended_at,
        wave_id,
        started_at,
        ended_at
    from waves
),

overlapping as (
    select * from ordered
    where started_at < previous_ended_at
)

select * from overlapping
