-- One row per venue: the event window's traded volume, the baseline volume expected on a calm
-- day (vars revenue_volume_baseline_start/_end), the liquidation fills' notional, and the excess
-- volume the broad revenue scope charges fees on.
with

price_bars as (
    select * from {{ ref('stg_simulator__price_bars') }}
),

liquidations as (
    select * from {{ ref('stg_simulator__liquidations') }}
),

venue_minutes as (
    select
        venue,
        bar_opened_at,
        sum(volume_usd) as volume_usd
    from price_bars
    where bar_opened_at >= cast('{{ var("event_window_start") }}' as timestamp)
        and bar_opened_at < cast('{{ var("event_window_end") }}' as timestamp)
    group by 1, 2
),

venue_volume as (
    select
        venue,
        sum(volume_usd) as volume_usd,
        avg(volume_usd) filter (
            where bar_opened_at >= cast('{{ var("revenue_volume_baseline_start") }}' as timestamp)
            and bar_opened_at < cast('{{ var("revenue_volume_baseline_end") }}' as timestamp)
        ) as baseline_volume_per_minute_usd
    from venue_minutes
    group by 1
),

venue_liquidations as (
    select
        venue,
        sum(notional_usd) as liquidation_notional_usd
    from liquidations
    group by 1
),

final as (
    select
        venue_volume.venue,
        venue_volume.volume_usd,
        venue_volume.baseline_volume_per_minute_usd,
        -- the calm per-minute mean extrapolated over the whole event window
        venue_volume.baseline_volume_per_minute_usd
        * {{ dbt.datediff("cast('" ~ var('event_window_start') ~ "' as timestamp)",
                      "cast('" ~ var('event_window_end') ~ "' as timestamp)", 'minute') }}
            as baseline_volume_usd,
        coalesce(venue_liquidations.liquidation_notional_usd, 0) as liquidation_notional_usd,
        -- liquidation fills are taken out: the medium scope already charges their taker fee
        greatest(
            venue_volume.volume_usd
            - venue_volume.baseline_volume_per_minute_usd
            * {{ dbt.datediff("cast('" ~ var('event_window_start') ~ "' as timestamp)",
                          "cast('" ~ var('event_window_end') ~ "' as timestamp)", 'minute') }}
            - coalesce(venue_liquidations.liquidation_notional_usd, 0),
            0
        ) as excess_volume_usd
    from venue_volume
    left join venue_liquidations
        on venue_volume.venue = venue_liquidations.venue
)

select * from final
