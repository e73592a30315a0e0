-- Each forced fill lies in at most one market-wide wave ([started_at, ended_at)). Fails with the
-- fills that fall in two or more.
with

waves as (
    select * from {{ ref('fct_cascade_waves') }}
    where scope = 'market'
),

liquidations as (
    select * from {{ ref('fct_liquidations') }}
),

memberships as (
    select
        liquidations.liquidation_id,
        count(*) as wave_count
    from liquidations
    inner join waves
        on liquidations.liquidated_at >= waves.started_at
        and liquidations.liquidated_at < waves.ended_at
    group by 1
    having count(*) > 1
)

select * from memberships
