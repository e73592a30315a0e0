-- Headline numbers: liquidations by venue (true notional, public-feed notional, count, long share)
-- plus a market-wide row (`venue = 'all venues'`), each with its own peak minute. The market-wide
-- row's peak minute is the peak minute of the cascade.
-- Compile with `dbt compile -s headline` and run the SQL in target/compiled/.../headline.sql, or:
--   dbt show --profiles-dir . -s headline --limit 10
with

liquidations as (
    select * from {{ ref('fct_liquidations') }}
),

liquidation_minutes as (
    select * from {{ ref('int_liquidation_minutes') }}
),

per_venue_minute as (
    select
        venue,
        liquidated_minute_at,
        sum(notional_usd) as notional_usd
    from liquidation_minutes
    group by 1, 2
),

per_market_minute as (
    select
        'all venues' as venue,
        liquidated_minute_at,
        sum(notional_usd) as notional_usd
    from liquidation_minutes
    group by 1, 2
),

minutes as (
    select * from per_venue_minute
    union all
    select * from per_market_minute
),

peak_minutes as (
    select
        venue,
        liquidated_minute_at as peak_minute_at,
        notional_usd as peak_minute_notional_usd
    from (
        select
            minutes.*,
            -- ties go to the earliest minute
            row_number() over (
                partition by venue
                order by notional_usd desc, liquidated_minute_at
            ) as minute_rank
        from minutes
    ) as ranked
    where minute_rank = 1
),

totals_by_venue as (
    select
        venue,
        count(*) as liquidation_count,
        sum(notional_usd) as liquidated_notional_usd,
        sum(case when is_shown_in_public_feed then notional_usd else 0 end) as public_feed_notional_usd,
        sum(case when is_long then notional_usd else 0 end) / nullif(sum(notional_usd), 0) as long_share
    from liquidations
    group by 1
),

totals_all as (
    select
        'all venues' as venue,
        count(*) as liquidation_count,
        sum(notional_usd) as liquidated_notional_usd,
        sum(case when is_shown_in_public_feed then notional_usd else 0 end) as public_feed_notional_usd,
        sum(case when is_long then notional_usd else 0 end) / nullif(sum(notional_usd), 0) as long_share
    from liquidations
),

totals as (
    select * from totals_by_venue
    union all
    select * from totals_all
),

final as (
    select
        totals.venue,
        totals.liquidation_count,
        totals.liquidated_notional_usd,
        totals.public_feed_notional_usd,
        totals.public_feed_notional_usd / nullif(totals.liquidated_notional_usd, 0) as public_feed_coverage_rate,
        totals.long_share,
        peak_minutes.peak_minute_at,
        peak_minutes.peak_minute_notional_usd
    from totals
    left join peak_minutes
        on totals.venue = peak_minutes.venue
)

select * from final
order by venue = 'all venues', liquidated_notional_usd desc
