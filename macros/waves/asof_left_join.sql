{#- As-of left join: every row of `left_relation` with the columns `right_columns` of the latest
    row of `right_relation` that has the same `by_columns` and `right_time <= left_time`
    (nulls when there is none). `left_key` must be unique in `left_relation`.
    Dispatched: DuckDB has a native ASOF JOIN (DuckDB-only syntax, O(n log n)); Spark merges the
    two time lines in one window (O(n log n), below); the portable default ranks every earlier
    right row per left row (a range join: fine for small data, quadratic per partition on large
    data, so bound it on engines without ASOF). -#}
{% macro asof_left_join(left_relation, right_relation, left_key, by_columns, left_time, right_time, right_columns) -%}
    {{ return(adapter.dispatch('asof_left_join', 'house_edge')(left_relation, right_relation, left_key, by_columns, left_time, right_time, right_columns)) }}
{%- endmacro %}

{% macro default__asof_left_join(left_relation, right_relation, left_key, by_columns, left_time, right_time, right_columns) -%}
    select
        l.*,
        {%- for column in right_columns %}
        matched.{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ left_relation }} as l
    left join (
        select
            candidates.*,
            row_number() over (partition by candidates.asof_left_key order by candidates.asof_right_time desc) as asof_rank
        from (
            select
                l.{{ left_key }} as asof_left_key,
                r.{{ right_time }} as asof_right_time,
                {%- for column in right_columns %}
                r.{{ column }}{{ "," if not loop.last }}
                {%- endfor %}
            from {{ left_relation }} as l
            inner join {{ right_relation }} as r
                on {% for column in by_columns %}l.{{ column }} = r.{{ column }} and {% endfor %}r.{{ right_time }} <= l.{{ left_time }}
        ) as candidates
    ) as matched
        on l.{{ left_key }} = matched.asof_left_key
        and matched.asof_rank = 1
{%- endmacro %}

{#- DuckDB-only syntax: ASOF LEFT JOIN picks, per left row, the right row with the greatest
    right_time <= left_time among rows equal on by_columns. -#}
{% macro duckdb__asof_left_join(left_relation, right_relation, left_key, by_columns, left_time, right_time, right_columns) -%}
    select
        l.*,
        {%- for column in right_columns %}
        r.{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ left_relation }} as l
    asof left join {{ right_relation }} as r
        on {% for column in by_columns %}l.{{ column }} = r.{{ column }} and {% endfor %}l.{{ left_time }} >= r.{{ right_time }}
{%- endmacro %}


{#- Spark: one sorted pass instead of a range join. Left and right times are interleaved per
    by_columns (a right row before a left row at the same time, as right_time <= left_time),
    and each left row takes the latest right time seen so far (last(..., ignore nulls) over a
    running frame); the right row is then joined back on by_columns and that time. A sort per
    partition plus two equi-joins: O(n log n), like DuckDB's ASOF JOIN. Needs right rows unique
    on by_columns + right_time (DuckDB would pick one of duplicates; here both would match). -#}
{% macro spark__asof_left_join(left_relation, right_relation, left_key, by_columns, left_time, right_time, right_columns) -%}
    select
        l.*,
        {%- for column in right_columns %}
        r.{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ left_relation }} as l
    left join (
        select asof_left_key, asof_right_time
        from (
            select
                asof_left_key,
                asof_is_left,
                last(asof_event_right_time, true) over (
                    partition by {{ by_columns | join(', ') }}
                    order by asof_time, asof_is_left
                    rows between unbounded preceding and current row
                ) as asof_right_time
            from (
                select {% for column in by_columns %}{{ column }}, {% endfor %}{{ left_time }} as asof_time, 1 as asof_is_left,
                    {{ left_key }} as asof_left_key, cast(null as timestamp) as asof_event_right_time
                from {{ left_relation }}
                union all
                select {% for column in by_columns %}{{ column }}, {% endfor %}{{ right_time }} as asof_time, 0 as asof_is_left,
                    null as asof_left_key, {{ right_time }} as asof_event_right_time
                from {{ right_relation }}
                where {{ right_time }} is not null
            ) as asof_events
        ) as asof_running
        where asof_is_left = 1
    ) as matched
        on l.{{ left_key }} = matched.asof_left_key
    left join {{ right_relation }} as r
        on {% for column in by_columns %}l.{{ column }} = r.{{ column }} and {% endfor %}r.{{ right_time }} = matched.asof_right_time
{%- endmacro %}
