-- Describes the COMMITTED simulated sample with the default wave vars: the largest market-wide
-- wave covers 21:15 UTC (the published peak of the waterfall) and starts within 20:45-21:00 (the
-- headline selloff). Fails with the largest wave if not. If you change the sample or the wave_*
-- vars and this fails, look at fct_cascade_waves before changing the test.
with

largest as (
    select *
    from {{ ref('fct_cascade_waves') }}
    where scope = 'market'
    order by notional_usd desc
    limit 1
),

failures as (
    select * from largest
    where not (
        started_at >= cast('2025-10-10 20:45:00' as {{ dbt.type_timestamp() }})
        and started_at <= cast('2025-10-10 21:00:00' as {{ dbt.type_timestamp() }})
        and ended_at > cast('2025-10-10 21:15:00' as {{ dbt.type_timestamp() }})
    )
)

select * from failures
