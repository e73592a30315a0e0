-- MetricFlow's time spine (README "Metrics"): one row per UTC minute from midnight before
-- `event_window_start` to midnight after `event_window_end` (2 days, 2,880 rows, by default).
-- Minute grain because the finest time dimension of the semantic models is a minute
-- (fct_liquidations.liquidated_at); coarser grains (hour, day) are derived from it.
{{ config(materialized='table', schema='metrics') }}
{%- set start_day = var('event_window_start')[:10] %}
{%- set end_sql = dbt.dateadd('day', 1, "cast('" ~ var('event_window_end')[:10] ~ "' as " ~ dbt.type_timestamp() ~ ")") %}

with

minutes as (
    {{ dbt.date_spine('minute', "cast('" ~ start_day ~ "' as " ~ dbt.type_timestamp() ~ ")", end_sql) }}
),

final as (
    select {{ utc_timestamp('date_minute') }} as minute_at
    from minutes
)

select * from final
