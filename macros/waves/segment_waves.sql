{#- Gaps-and-islands wave segmentation over a bucketed series WITH A SPINE (one row per bucket,
    empty buckets present as 0; bucket counting relies on it).

    A bucket is *above threshold* when its value exceeds threshold_ratio x the trailing baseline
    (median of the `baseline_buckets` previous buckets of the same partition; 0 when there are
    none) AND is at least `min_value`. A wave starts at an above-threshold bucket that follows
    `quiet_buckets` or more consecutive buckets below threshold (or none at all), and ends at its
    last above-threshold bucket before such a quiet run: quiet_buckets - 1 quiet buckets keep one
    wave, quiet_buckets split it. Every bucket between a wave's first and last above-threshold
    bucket belongs to the wave.

    Returns every input row with: bucket_index, baseline_value, threshold_value,
    is_above_threshold, wave_number (1, 2, ... per partition in time order; null outside waves),
    wave_first_bucket_at, wave_last_bucket_at.
    The value may be any non-negative measure (notional USD, a count, ...): pass `min_value` in
    its unit. Portable SQL except the trailing median (see trailing_median). -#}
{% macro segment_waves(
    relation,
    partition_by,
    bucket_column,
    value_column,
    threshold_ratio=none,
    baseline_buckets=none,
    quiet_buckets=none,
    min_value=none
) -%}
{%- set threshold_ratio = threshold_ratio if threshold_ratio is not none else var('wave_threshold_ratio') -%}
{%- set baseline_buckets = baseline_buckets if baseline_buckets is not none else var('wave_baseline_buckets') -%}
{%- set quiet_buckets = quiet_buckets if quiet_buckets is not none else var('wave_quiet_buckets') -%}
{%- set min_value = min_value if min_value is not none else var('wave_min_notional_usd') -%}
{%- set partition_list = [partition_by] if partition_by is string else partition_by -%}
{%- set partition_sql = partition_list | join(', ') -%}
{%- set partition_match -%}
    {% for column in partition_list %}series.{{ column }} = bounds.{{ column }} and {% endfor %}
{%- endset -%}
    with

    indexed as (
        select
            *,
            row_number() over (partition by {{ partition_sql }} order by {{ bucket_column }}) as bucket_index,
            {{ trailing_median(value_column, partition_sql, bucket_column, baseline_buckets) }} as baseline_value
        from {{ relation }}
    ),

    flagged as (
        select
            *,
            {{ threshold_ratio }} * coalesce(baseline_value, 0) as threshold_value,
            coalesce(
                {{ value_column }} > {{ threshold_ratio }} * coalesce(baseline_value, 0)
                and {{ value_column }} >= {{ min_value }},
                false
            ) as is_above_threshold
        from indexed
    ),

    above_threshold as (
        select
            {{ partition_sql }},
            {{ bucket_column }},
            bucket_index,
            bucket_index - lag(bucket_index) over (partition by {{ partition_sql }} order by bucket_index) - 1
                as quiet_buckets_before
        from flagged
        where is_above_threshold
    ),

    numbered as (
        select
            *,
            sum(case when quiet_buckets_before is null or quiet_buckets_before >= {{ quiet_buckets }} then 1 else 0 end)
                over (partition by {{ partition_sql }} order by bucket_index rows between unbounded preceding and current row)
                as wave_number
        from above_threshold
    ),

    bounds as (
        select
            {{ partition_sql }},
            wave_number,
            min(bucket_index) as first_bucket_index,
            max(bucket_index) as last_bucket_index,
            min({{ bucket_column }}) as wave_first_bucket_at,
            max({{ bucket_column }}) as wave_last_bucket_at
        from numbered
        group by {{ partition_sql }}, wave_number
    ),

    segmented as (
        select
            series.*,
            bounds.wave_number,
            bounds.wave_first_bucket_at,
            bounds.wave_last_bucket_at
        from flagged as series
        left join bounds
            on {{ partition_match }}series.bucket_index between bounds.first_bucket_index and bounds.last_bucket_index
    )

    select * from segmented
{%- endmacro %}

{#- Median of the `buckets` rows before the current one (current row excluded), null when none.
    Dispatched: DuckDB median() as a framed window function; Spark has no framed median, so the
    frame's values are collected, sorted and the middle one (the mean of the middle two) taken,
    which is the same median. No fallback elsewhere: a trailing mean would give other waves. -#}
{% macro trailing_median(column, partition_sql, order_column, buckets) -%}
    {{ return(adapter.dispatch('trailing_median', 'house_edge')(column, partition_sql, order_column, buckets)) }}
{%- endmacro %}

{% macro default__trailing_median(column, partition_sql, order_column, buckets) -%}
    {%- if execute -%}
        {{ exceptions.raise_compiler_error("trailing_median has no implementation for adapter " ~ adapter.type() ~ " (a framed median is needed; add " ~ adapter.type() ~ "__trailing_median in macros/waves/segment_waves.sql)") }}
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__trailing_median(column, partition_sql, order_column, buckets) -%}
    median({{ column }}) over (partition by {{ partition_sql }} order by {{ order_column }} rows between {{ buckets }} preceding and 1 preceding)
{%- endmacro %}

{#- DuckDB interpolates the two middle values as lo + (hi - lo) * 0.5; the same here. -#}
{% macro spark__trailing_median(column, partition_sql, order_column, buckets) -%}
    {%- set frame = 'array_sort(collect_list(' ~ column ~ ') over (partition by ' ~ partition_sql ~ ' order by ' ~ order_column ~ ' rows between ' ~ buckets ~ ' preceding and 1 preceding))' -%}
    (case
            when size({{ frame }}) = 0 then null
            when size({{ frame }}) % 2 = 1 then element_at({{ frame }}, cast(size({{ frame }}) / 2 as int) + 1)
            else element_at({{ frame }}, cast(size({{ frame }}) / 2 as int))
                + (element_at({{ frame }}, cast(size({{ frame }}) / 2 as int) + 1) - element_at({{ frame }}, cast(size({{ frame }}) / 2 as int))) * 0.5D
        end)
{%- endmacro %}
