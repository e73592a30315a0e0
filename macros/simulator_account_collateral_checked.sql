{#- Row checks of the optional raw_account_collateral file: every raw row with the first failed
    check as quarantine_reason (null = passed). A collateral asset must be one of the depegs in
    seed collateral_depegs for that venue; an account appears once. -#}
{% macro simulator_account_collateral_checked(relation) -%}
    select
        raw.*,
        case
            when raw.account_id is null then 'missing_account_id'
            when raw.collateral_usd is null or not (raw.collateral_usd > 0) then 'non_positive_collateral'
            when lower(trim(raw.venue)) || ':' || upper(trim(raw.collateral_asset)) not in (
                select venue || ':' || collateral_asset from {{ ref('collateral_depegs') }}
            ) then 'unknown_collateral_asset'
            when repeated_keys.account_id is not null then 'duplicate_account_id'
        end as quarantine_reason
    from {{ relation }} as raw
    -- keys read more than once: a hash aggregate of the key alone (a window over every row and
    -- column held the whole file in memory: two such models at once ran out at scale 10)
    left join ({{ repeated_keys(relation, 'account_id') }}) as repeated_keys
        on raw.account_id = repeated_keys.account_id
{%- endmacro %}
