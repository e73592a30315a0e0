{#-
    Row checks shared by every venue-format liquidation staging model, so that each format is
    judged by the same rules as the simulator's file (macros/simulator_checked.sql).

    `parsed_relation` has one row per raw record with: source_format, source_file, raw_record
    (the record as text), venue, instrument (as written), symbol (base asset), side ('long' /
    'short', already translated from the venue's convention, or null when it is not one of the
    venue's side values), quantity (base units), price (USD), price_basis, liquidated_at_ms,
    is_snapshot_sampled, format_quarantine_reason (a reason found while parsing the format, or
    null), dedupe_key (what makes two records the same liquidation) and dedupe_preference
    (which copy of a duplicate to keep: lowest first).

    Returns every row with `liquidated_at` and `quarantine_reason`: the format's reason first,
    then the FIRST failing common check; duplicates are ranked only among rows that pass every
    other check (a bad row never evicts a good one) and the first by file then record is kept.
    Duplicates and source_row_number are per source_format, so a model reading several formats
    of one venue (stg_binance__liquidations) numbers and dedupes each as if it were alone.
-#}
{% macro venue_liquidations_checked(parsed_relation) -%}
with

parsed as (
    select * from {{ parsed_relation }}
),

symbols as (
    select symbol as known_symbol from {{ ref('symbols') }}
),

normalised as (
    select
        parsed.*,
        {{ simulator_epoch_ms_to_timestamp('parsed.liquidated_at_ms') }} as liquidated_at
    from parsed
),

row_checked as (
    select
        normalised.*,
        coalesce(normalised.format_quarantine_reason, case
            when normalised.instrument is null
                or normalised.liquidated_at_ms is null
                or normalised.quantity is null
                or normalised.price is null then 'null_required_value'
            when not {{ simulator_is_epoch_ms('normalised.liquidated_at_ms') }} then 'timestamp_unit'
            when normalised.side is null then 'invalid_side'
            when symbols.known_symbol is null then 'unknown_symbol'
            when not {{ is_finite('normalised.price') }} then 'non_finite_price'
            when not normalised.price > 0 then 'non_positive_price'
            when normalised.price > {{ simulator_max_price() }} then 'implausible_price'
            when not {{ is_finite('normalised.quantity') }} then 'non_finite_quantity'
            when not normalised.quantity > 0 then 'non_positive_quantity'
            when normalised.liquidated_at < cast('{{ var("event_window_start") }}' as {{ dbt.type_timestamp() }})
                or normalised.liquidated_at >= cast('{{ var("event_window_end") }}' as {{ dbt.type_timestamp() }})
                then 'outside_event_window'
        end) as row_quarantine_reason
    from normalised
    left join symbols
        on normalised.symbol = symbols.known_symbol
),

key_ranked as (
    select
        row_checked.*,
        row_number() over (
            partition by source_format, row_quarantine_reason, dedupe_key
            order by dedupe_preference, source_file, raw_record
        ) as key_rank
    from row_checked
),

checked as (
    select
        key_ranked.*,
        coalesce(
            row_quarantine_reason,
            case when key_rank > 1 then 'duplicate_record' end
        ) as quarantine_reason,
        row_number() over (
            partition by source_format
            order by liquidated_at_ms, source_file, raw_record
        ) as source_row_number
    from key_ranked
)

select * from checked
{%- endmacro %}


{#- The identical column list every venue-format liquidation staging model ends with. -#}
{% macro venue_liquidations_final(checked_relation) -%}
    select
        cast(source_row_number as {{ dbt.type_bigint() }}) as source_row_number,
        venue,
        instrument,
        symbol,
        side,
        side = 'long' as is_long,
        cast(quantity as {{ type_double() }}) as quantity,
        cast(price as {{ type_double() }}) as price,
        price_basis,
        cast(quantity * price as {{ type_double() }}) as notional_usd,
        liquidated_at,
        liquidated_at_ms,
        cast(is_snapshot_sampled as {{ dbt.type_boolean() }}) as is_snapshot_sampled,
        -- where the row comes from: a venue's own file (the simulator's staging says 'simulator')
        'venue_file' as record_source,
        source_format,
        source_file,
        raw_record,
        quarantine_reason
    from {{ checked_relation }}
{%- endmacro %}
