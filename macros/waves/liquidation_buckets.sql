{#-
    Liquidation notional per venue x symbol x `grain` bucket WITH A SPINE over
    [window_start, window_end): zeros where nothing was liquidated, so quiet periods are rows,
    not gaps. Venues and symbols come from the reference seeds, so a venue-symbol without fills
    is a row of zeros too. Shared by int_liquidation_buckets_minute and _second.
    Incremental (macros/incremental): on an incremental run only the buckets from the earliest
    fill fct_liquidations (re)wrote since this model's last load, or from the earliest bucket
    whose stored fill count no longer matches fct_liquidations (fills removed), onwards are
    recomputed (none when neither); the caller merges them on (venue, symbol, bucket_at).
-#}
{% macro liquidation_buckets(grain, window_start, window_end) %}
{%- if is_incremental() %}
{%- set window_start_sql = "cast('" ~ window_start ~ "' as " ~ dbt.type_timestamp() ~ ")" %}
{%- set window_end_sql = "cast('" ~ window_end ~ "' as " ~ dbt.type_timestamp() ~ ")" %}
{%- set far_future = "cast('9999-01-01' as " ~ dbt.type_timestamp() ~ ")" %}
{%- set first_bucket -%}
    (
        select least(
            coalesce({{ incremental_first_bucket_to_recompute(ref('fct_liquidations'), 'liquidated_at', grain) }}, {{ far_future }}),
            coalesce(min(coalesce(current_counts.bucket_at, stored_counts.bucket_at)), {{ far_future }})
        )
        from (
            select venue, symbol, {{ dbt.date_trunc(grain, 'liquidated_at') }} as bucket_at,
                count(*) as liquidation_count
            from {{ ref('fct_liquidations') }}
            where liquidated_at >= {{ window_start_sql }} and liquidated_at < {{ window_end_sql }}
            group by 1, 2, 3
        ) as current_counts
        full outer join (
            select venue, symbol, bucket_at, liquidation_count from {{ this }}
            where liquidation_count > 0
        ) as stored_counts
            on current_counts.venue = stored_counts.venue
            and current_counts.symbol = stored_counts.symbol
            and current_counts.bucket_at = stored_counts.bucket_at
        where coalesce(current_counts.liquidation_count, 0) <> coalesce(stored_counts.liquidation_count, 0)
    )
{%- endset %}
{%- endif %}
with

liquidations as (
    {{ select_money_as_double(ref('fct_liquidations')) }}
    {%- if is_incremental() %}
    where liquidated_at >= {{ first_bucket }}
    {%- endif %}
),

exchanges as (
    {{ select_money_as_double(ref('exchanges')) }}
),

symbols as (
    {{ select_money_as_double(ref('symbols')) }}
),

spine as (
    {{ time_spine(
        "cast('" ~ window_start ~ "' as " ~ dbt.type_timestamp() ~ ")",
        "cast('" ~ window_end ~ "' as " ~ dbt.type_timestamp() ~ ")",
        grain
    ) }}
),

grid as (
    select
        exchanges.exchange_id as venue,
        symbols.symbol,
        spine.bucket_at
    from spine
    cross join exchanges
    cross join symbols
    {%- if is_incremental() %}
    where spine.bucket_at >= {{ first_bucket }}
    {%- endif %}
),

per_bucket as (
    select
        venue,
        symbol,
        {{ dbt.date_trunc(grain, "liquidated_at") }} as bucket_at,
        count(*) as liquidation_count,
        {{ ordered_sum('notional_usd', 'liquidation_id') }} as notional_usd,
        {{ ordered_sum('case when is_long then notional_usd else 0 end', 'liquidation_id') }} as long_notional_usd,
        min(liquidated_at) as first_liquidated_at
    from liquidations
    group by 1, 2, 3
),

final as (
    select
        grid.venue,
        grid.symbol,
        grid.bucket_at,
        coalesce(per_bucket.liquidation_count, 0) as liquidation_count,
        coalesce(per_bucket.notional_usd, 0) as notional_usd,
        coalesce(per_bucket.long_notional_usd, 0) as long_notional_usd,
        per_bucket.first_liquidated_at,
        {{ incremental_loaded_at() }} as loaded_at
    from grid
    left join per_bucket
        on grid.venue = per_bucket.venue
        and grid.symbol = per_bucket.symbol
        and grid.bucket_at = per_bucket.bucket_at
)

select * from final
{% endmacro %}
