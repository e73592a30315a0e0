{#- As-of left join: every row of `left_relation` with the columns `right_columns` of the latest
    row of `right_relation` that has the same `by_columns` and `right_time <= left_time`
    (nulls when there is none). `left_key` must be unique in `left_relation`.
    Dispatched: DuckDB has a native ASOF JOIN (DuckDB-only syntax, O(n log n)); the portable
    default ranks every earlier right row per left row (a range join: fine for small data,
    quadratic per partition on large data, so bound it on engines without ASOF). -#}
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
