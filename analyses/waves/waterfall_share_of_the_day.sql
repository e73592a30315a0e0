-- Share of the day's liquidations (the whole event window) that fell in the 20:50-21:30 UTC
-- waterfall, by notional and by count; per venue and for all venues.
-- Run: dbt show --profiles-dir . -s waterfall_share_of_the_day
with

liquidations as (
    select * from {{ ref('fct_liquidations') }}
),

flagged as (
    select
        venue,
        notional_usd,
        liquidated_at >= cast('2025-10-10 20:50:00' as {{ dbt.type_timestamp() }})
            and liquidated_at < cast('2025-10-10 21:30:00' as {{ dbt.type_timestamp() }}) as is_in_waterfall
    from liquidations
),

per_venue as (
    select
        venue,
        sum(notional_usd) as day_notional_usd,
        sum(case when is_in_waterfall then notional_usd else 0 end) as waterfall_notional_usd,
        count(*) as day_liquidation_count,
        sum(case when is_in_waterfall then 1 else 0 end) as waterfall_liquidation_count
    from flagged
    group by 1
),

all_venues as (
    select
        'all venues' as venue,
        sum(day_notional_usd) as day_notional_usd,
        sum(waterfall_notional_usd) as waterfall_notional_usd,
        sum(day_liquidation_count) as day_liquidation_count,
        sum(waterfall_liquidation_count) as waterfall_liquidation_count
    from per_venue
),

final as (
    select
        *,
        waterfall_notional_usd / day_notional_usd as waterfall_notional_share,
        cast(waterfall_liquidation_count as {{ type_double() }}) / day_liquidation_count as waterfall_count_share
    from (
        select * from per_venue
        union all
        select * from all_venues
    ) as combined
)

select * from final
order by case when venue = 'all venues' then 1 else 0 end, waterfall_notional_usd desc
