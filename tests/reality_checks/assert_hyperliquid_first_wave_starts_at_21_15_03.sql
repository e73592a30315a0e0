-- Real data, same macro: the first wave in Hyperliquid's per-second liquidation counts must start
-- at the first liquidation, 2025-10-10 21:15:03 UTC, within +-10 s. Fails with the start found
-- (null if no wave was found at all).
with

first_wave as (
    select min(bucket_at) as started_at
    from {{ ref('rc_hyperliquid_cascade_seconds') }}
    where wave_number = 1
),

failures as (
    select started_at
    from first_wave
    where started_at is null
        or started_at < cast('2025-10-10 21:14:53' as {{ dbt.type_timestamp() }})
        or started_at > cast('2025-10-10 21:15:13' as {{ dbt.type_timestamp() }})
)

select * from failures
