{#- Row checks of the optional raw_adl_fills file: every raw row with the first failed check as
    quarantine_reason (null = passed). An ADL row must refer to a loaded liquidation fill of the
    same venue and side, close at most that fill's quantity, and appear once per fill. -#}
{% macro simulator_adl_fills_checked(relation) -%}
    select
        raw.*,
        case
            when raw.liquidation_id is null then 'missing_liquidation_id'
            when raw.adl_at_ms is null then 'missing_adl_time'
            when raw.side is null or lower(trim(raw.side)) not in ('long', 'short') then 'invalid_side'
            when raw.quantity is null or not {{ is_positive_finite('raw.quantity') }} then 'non_positive_quantity'
            when raw.price is null or not {{ is_positive_finite('raw.price') }} then 'non_positive_price'
            when fills.liquidation_id is null
                or fills.venue <> lower(trim(raw.venue))
                or fills.side <> lower(trim(raw.side)) then 'unknown_liquidation_fill'
            when raw.quantity > fills.quantity * 1.000001 then 'exceeds_fill_quantity'
            when repeated_keys.liquidation_id is not null then 'duplicate_liquidation_id'
        end as quarantine_reason
    from {{ relation }} as raw
    left join {{ ref('stg_simulator__liquidations') }} as fills
        on raw.liquidation_id = fills.liquidation_id
    -- keys read more than once: a hash aggregate of the key alone (a window over every row and
    -- column held the whole file in memory: two such models at once ran out at scale 10)
    left join ({{ repeated_keys(relation, 'liquidation_id') }}) as repeated_keys
        on raw.liquidation_id = repeated_keys.liquidation_id
{%- endmacro %}
