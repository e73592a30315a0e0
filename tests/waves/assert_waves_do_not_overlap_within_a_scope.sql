-- Within a scope, waves do not overlap and are numbered in time order: each wave starts at or
-- after the previous one ends. Fails with the offending pairs.
with

waves as (
    select
        scope,
        wave_id,
        wave_number,
        started_at,
        ended_at,
        lag(ended_at) over (partition by scope order by started_at) as previous_ended_at,
        lag(wave_number) over (partition by scope order by started_at) as previous_wave_number
    from {{ ref('fct_cascade_waves') }}
),

failures as (
    select * from waves
    where started_at < previous_ended_at
        or wave_number <> previous_wave_number + 1
        or ended_at <= started_at
)

select * from failures
