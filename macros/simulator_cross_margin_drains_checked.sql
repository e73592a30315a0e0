{#- Row checks of the optional raw_cross_margin_drains file: every raw row with the first failed
    check as quarantine_reason (null = passed). A drain must refer to a loaded cross-margin
    position of the same venue, be a positive amount with a time, and appear once per position. -#}
{% macro simulator_cross_margin_drains_checked(relation) -%}
    select
        raw.*,
        case
            when raw.position_id is null then 'missing_position_id'
            when raw.drained_from_ms is null then 'missing_drain_time'
            when raw.drained_usd is null or not {{ is_positive_finite('raw.drained_usd') }} then 'non_positive_drain'
            when positions.position_id is null
                or positions.venue <> lower(trim(raw.venue)) then 'unknown_position'
            when positions.margin_mode <> 'cross' then 'not_cross_margin'
            when repeated_keys.position_id is not null then 'duplicate_position_id'
        end as quarantine_reason
    from {{ relation }} as raw
    left join {{ ref('stg_simulator__positions') }} as positions
        on raw.position_id = positions.position_id
    -- keys read more than once: a hash aggregate of the key alone (a window over every row and
    -- column held the whole file in memory: two such models at once ran out at scale 10)
    left join ({{ repeated_keys(relation, 'position_id') }}) as repeated_keys
        on raw.position_id = repeated_keys.position_id
{%- endmacro %}
