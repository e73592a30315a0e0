{#-
    Row checks for the simulator sources, written once and shared by each clean staging model and
    its `_quarantine` companion (the clean model keeps `quarantine_reason is null`, the quarantine
    model keeps the rest), so the two always partition the raw rows exactly.

    Each macro returns a SELECT with every raw column unchanged, the normalised helper columns
    (`*_normalised`, timestamps) the clean model exposes, and `quarantine_reason`: the FIRST failing
    check in the order written, or null. Duplicate keys are ranked only among rows that pass every
    other check, so a bad row never evicts a good one; "first" is the earliest by event time, then
    by the full row (file order is not stable across globs and Parquet row groups).

    `source_relation` is passed in by the staging model so that `source()` is only called there.

    Timestamps must be epoch MILLISECONDS. A value outside [1e11, 1e14) ms (1973-03-03 to
    5138-11-16) is taken to be in another unit -- seconds (~1.76e9 for Oct 2025), microseconds
    (~1.76e15) or nanoseconds (~1.76e18) -- and the row is quarantined with `timestamp_unit`
    rather than rescaled: guessing the unit would silently move an event by a factor of 1000.
    The timestamp helper column is only computed inside that range (epoch_ms() of a nanosecond
    value overflows DuckDB's timestamp and would fail the whole build).
    Prices above var('max_plausible_price_usd', 1e7) USD (no listed asset is near it; BTC
    ~125k) are quarantined as `implausible_price`: e.g. a price written in another unit or a
    producer's overflow.
-#}

{% macro simulator_price_bars_checked(source_relation) -%}
with

source as (
    select * from {{ source_relation }}
),

exchanges as (
    select exchange_id from {{ ref('exchanges') }}
),

symbols as (
    select symbol from {{ ref('symbols') }}
),

normalised as (
    select
        source.*,
        {{ simulator_normalised('source.venue') }} as venue_normalised,
        {{ simulator_normalised('source.symbol', upper=true) }} as symbol_normalised,
        {{ simulator_epoch_ms_to_timestamp('source.open_time_ms') }} as bar_opened_at
    from source
),

row_checked as (
    select
        normalised.*,
        case
            when normalised.venue is null
                or normalised.symbol is null
                or normalised.open_time_ms is null then 'null_key'
            when normalised.open is null
                or normalised.high is null
                or normalised.low is null
                or normalised.close is null then 'null_price'
            when not {{ simulator_is_epoch_ms('normalised.open_time_ms') }} then 'timestamp_unit'
            when exchanges.exchange_id is null then 'unknown_venue'
            when symbols.symbol is null then 'unknown_symbol'
            when not ({{ is_finite('normalised.open') }} and {{ is_finite('normalised.high') }}
                and {{ is_finite('normalised.low') }} and {{ is_finite('normalised.close') }}) then 'non_finite_price'
            when not (normalised.open > 0 and normalised.high > 0
                and normalised.low > 0 and normalised.close > 0) then 'non_positive_price'
            when normalised.high > {{ simulator_max_price() }} then 'implausible_price'
            when normalised.high < normalised.low then 'high_below_low'
            when normalised.volume_base < 0
                or normalised.volume_usd < 0
                or normalised.trade_count < 0 then 'negative_volume'
            when not {{ is_finite('normalised.volume_base') }}
                or not {{ is_finite('normalised.volume_usd') }} then 'non_finite_volume'
        end as row_quarantine_reason
    from normalised
    left join exchanges
        on normalised.venue_normalised = exchanges.exchange_id
    left join symbols
        on normalised.symbol_normalised = symbols.symbol
),

key_ranked as (
    select
        row_checked.*,
        row_number() over (
            partition by row_quarantine_reason, venue_normalised, symbol_normalised, open_time_ms
            order by open, high, low, close, volume_base, volume_usd, trade_count, venue, symbol
        ) as key_rank
    from row_checked
),

checked as (
    select
        key_ranked.*,
        coalesce(
            row_quarantine_reason,
            case when key_rank > 1 then 'duplicate_key' end
        ) as quarantine_reason
    from key_ranked
)

select * from checked
{%- endmacro %}

{#- The row checks of simulator_positions_checked(): every row of `source_relation` with its
    normalised helper columns and `row_quarantine_reason` (the first failed check, or null). -#}
{% macro simulator_positions_checked_rows(source_relation) -%}
with

source as (
    select * from {{ source_relation }}
),

exchanges as (
    select exchange_id from {{ ref('exchanges') }}
),

symbols as (
    select symbol from {{ ref('symbols') }}
),

normalised as (
    select
        source.*,
        {{ simulator_normalised('source.venue') }} as venue_normalised,
        {{ simulator_normalised('source.symbol', upper=true) }} as symbol_normalised,
        {{ simulator_normalised('source.side') }} as side_normalised,
        {{ simulator_normalised('source.margin_mode') }} as margin_mode_normalised,
        {{ simulator_epoch_ms_to_timestamp('source.opened_at_ms') }} as opened_at
    from source
),

row_checked as (
    select
        normalised.*,
        case
            when normalised.position_id is null then 'null_key'
            when normalised.account_id is null
                or normalised.venue is null
                or normalised.symbol is null
                or normalised.side is null
                or normalised.margin_mode is null
                or normalised.leverage is null
                or normalised.entry_price is null
                or normalised.quantity is null
                or normalised.maintenance_margin_rate is null
                or normalised.maintenance_amount_usd is null
                or normalised.opened_at_ms is null then 'null_required_value'
            when not {{ simulator_is_epoch_ms('normalised.opened_at_ms') }} then 'timestamp_unit'
            when exchanges.exchange_id is null then 'unknown_venue'
            when symbols.symbol is null then 'unknown_symbol'
            when normalised.side_normalised not in ('long', 'short') then 'invalid_side'
            when normalised.margin_mode_normalised not in ('isolated', 'cross') then 'invalid_margin_mode'
            when not {{ is_finite('normalised.entry_price') }} then 'non_finite_price'
            when not normalised.entry_price > 0 then 'non_positive_price'
            when normalised.entry_price > {{ simulator_max_price() }} then 'implausible_price'
            when not {{ is_finite('normalised.quantity') }} then 'non_finite_quantity'
            when not normalised.quantity > 0 then 'non_positive_quantity'
            when not {{ is_positive_finite('normalised.leverage') }} then 'invalid_leverage'
            when not (normalised.maintenance_margin_rate >= 0
                and normalised.maintenance_margin_rate < 1) then 'invalid_maintenance_margin_rate'
            when not (normalised.maintenance_amount_usd >= 0
                and {{ is_finite('normalised.maintenance_amount_usd') }}) then 'invalid_maintenance_amount'
        end as row_quarantine_reason
    from normalised
    left join exchanges
        on normalised.venue_normalised = exchanges.exchange_id
    left join symbols
        on normalised.symbol_normalised = symbols.symbol
)

select * from row_checked
{%- endmacro %}

{#- loaded_keys_relation (optional): position_id already loaded by earlier runs of an incremental
    model and not re-read now (see simulator_liquidations_checked). -#}
{% macro simulator_positions_checked(source_relation, loaded_keys_relation=none) -%}
with

-- Keys read more than once (any check's outcome): a hash aggregate of the key column alone.
-- Only their rows are ranked below; a key read once is its own first row. (The rank used to be
-- a window over every row: a sort of all rows and columns that held the whole input in memory.)
duplicate_keys as (
    {{ repeated_keys(source_relation, 'position_id') }}
),

-- The row checks run on two disjoint parts of the input, each read on its own (a CTE read
-- twice would be held in memory): rows of keys read once, and rows of keys read more than once,
-- ranked among the rows of the same key with the same outcome exactly as before.
key_ranked as (
    select
        single_key_rows.*,
        1 as key_rank
    from (
        {{ simulator_positions_checked_rows('(select * from ' ~ source_relation ~ ' as raw where raw.position_id is null or raw.position_id not in (select position_id from duplicate_keys))') }}
    ) as single_key_rows
    union all
    select
        repeated_key_rows.*,
        row_number() over (
            partition by row_quarantine_reason, position_id
            order by
                opened_at_ms, account_id, venue, symbol, side, margin_mode, leverage,
                entry_price, quantity, maintenance_margin_rate, maintenance_amount_usd
        ) as key_rank
    from (
        {{ simulator_positions_checked_rows('(select * from ' ~ source_relation ~ ' as raw where raw.position_id in (select position_id from duplicate_keys))') }}
    ) as repeated_key_rows
),

{%- if loaded_keys_relation is not none %}

-- only the keys also among the rows read now (a semi-join built on them: the rows loaded
-- before are many, the rows read now few)
loaded_keys as (
    select distinct position_id from {{ loaded_keys_relation }}
    where position_id in (select position_id from key_ranked)
),
{%- endif %}

checked as (
    select
        key_ranked.*,
        coalesce(
            row_quarantine_reason,
            case
                when key_rank > 1 then 'duplicate_key'
                {%- if loaded_keys_relation is not none %}
                when key_ranked.position_id in (select position_id from loaded_keys) then 'duplicate_key'
                {%- endif %}
            end
        ) as quarantine_reason
    from key_ranked
)

select * from checked
{%- endmacro %}

{#- The row checks of simulator_liquidations_checked(): every row of `source_relation` with its
    normalised helper columns and `row_quarantine_reason` (the first failed check, or null). -#}
{% macro simulator_liquidations_checked_rows(source_relation) -%}
with

source as (
    select * from {{ source_relation }}
),

exchanges as (
    select exchange_id from {{ ref('exchanges') }}
),

symbols as (
    select symbol from {{ ref('symbols') }}
),

normalised as (
    select
        source.*,
        {{ simulator_normalised('source.venue') }} as venue_normalised,
        {{ simulator_normalised('source.symbol', upper=true) }} as symbol_normalised,
        {{ simulator_normalised('source.side') }} as side_normalised,
        {{ simulator_epoch_ms_to_timestamp('source.liquidated_at_ms') }} as liquidated_at
    from source
),

row_checked as (
    select
        normalised.*,
        case
            when normalised.liquidation_id is null then 'null_key'
            when normalised.position_id is null
                or normalised.venue is null
                or normalised.symbol is null
                or normalised.side is null
                or normalised.quantity is null
                or normalised.price is null
                or normalised.liquidated_at_ms is null
                or normalised.is_shown_in_public_feed is null then 'null_required_value'
            when not {{ simulator_is_epoch_ms('normalised.liquidated_at_ms') }} then 'timestamp_unit'
            when exchanges.exchange_id is null then 'unknown_venue'
            when symbols.symbol is null then 'unknown_symbol'
            when normalised.side_normalised not in ('long', 'short') then 'invalid_side'
            when not {{ is_finite('normalised.price') }} then 'non_finite_price'
            when not normalised.price > 0 then 'non_positive_price'
            when normalised.price > {{ simulator_max_price() }} then 'implausible_price'
            when not {{ is_finite('normalised.quantity') }} then 'non_finite_quantity'
            when not normalised.quantity > 0 then 'non_positive_quantity'
            when normalised.liquidated_at < cast('{{ var("event_window_start") }}' as {{ dbt.type_timestamp() }})
                or normalised.liquidated_at >= cast('{{ var("event_window_end") }}' as {{ dbt.type_timestamp() }})
                then 'outside_event_window'
        end as row_quarantine_reason
    from normalised
    left join exchanges
        on normalised.venue_normalised = exchanges.exchange_id
    left join symbols
        on normalised.symbol_normalised = symbols.symbol
)

select * from row_checked
{%- endmacro %}

{#- loaded_keys_relation (optional): a relation of liquidation_id already loaded by earlier runs of
    an incremental model and not re-read now; a passing row with one of those keys is a
    `duplicate_key` (the row loaded first is kept). -#}
{% macro simulator_liquidations_checked(source_relation, loaded_keys_relation=none) -%}
with

-- Keys read more than once (any check's outcome): a hash aggregate of the key column alone.
-- Only their rows are ranked below; a key read once is its own first row. (The rank used to be
-- a window over every row: a sort of all rows and columns that held the whole input in memory.)
duplicate_keys as (
    {{ repeated_keys(source_relation, 'liquidation_id') }}
),

-- The row checks run on two disjoint parts of the input, each read on its own (a CTE read
-- twice would be held in memory): rows of keys read once, and rows of keys read more than once,
-- ranked among the rows of the same key with the same outcome exactly as before.
key_ranked as (
    select
        single_key_rows.*,
        1 as key_rank
    from (
        {{ simulator_liquidations_checked_rows('(select * from ' ~ source_relation ~ ' as raw where raw.liquidation_id is null or raw.liquidation_id not in (select liquidation_id from duplicate_keys))') }}
    ) as single_key_rows
    union all
    select
        repeated_key_rows.*,
        row_number() over (
            partition by row_quarantine_reason, liquidation_id
            order by
                liquidated_at_ms, position_id, venue, symbol, side, quantity, price,
                is_shown_in_public_feed
        ) as key_rank
    from (
        {{ simulator_liquidations_checked_rows('(select * from ' ~ source_relation ~ ' as raw where raw.liquidation_id in (select liquidation_id from duplicate_keys))') }}
    ) as repeated_key_rows
),

{%- if loaded_keys_relation is not none %}

-- only the keys also among the rows read now (a semi-join built on them: the rows loaded
-- before are many, the rows read now few)
loaded_keys as (
    select distinct liquidation_id from {{ loaded_keys_relation }}
    where liquidation_id in (select liquidation_id from key_ranked)
),
{%- endif %}

checked as (
    select
        key_ranked.*,
        coalesce(
            row_quarantine_reason,
            case
                when key_rank > 1 then 'duplicate_key'
                {%- if loaded_keys_relation is not none %}
                when key_ranked.liquidation_id in (select liquidation_id from loaded_keys) then 'duplicate_key'
                {%- endif %}
            end
        ) as quarantine_reason
    from key_ranked
)

select * from checked
{%- endmacro %}


{#- Epoch-milliseconds plausibility shared by the three checks above (see the header comment). -#}
{% macro simulator_is_epoch_ms(column) -%}
    ({{ column }} >= 100000000000 and {{ column }} < 100000000000000)
{%- endmacro %}

{% macro simulator_epoch_ms_to_timestamp(column) -%}
    case when {{ simulator_is_epoch_ms(column) }} then {{ epoch_ms_to_timestamp(column) }} end
{%- endmacro %}

{#- A code as the checks compare it and the clean staging models publish it: trimmed, and
    lower-cased (venue, side, margin mode) or upper-cased (symbol). One definition, so a
    `*_checked` table can keep only the raw spelling and its clean view normalise on read. -#}
{% macro simulator_normalised(column, upper=false) -%}
    {{ 'upper' if upper else 'lower' }}(trim({{ column }}))
{%- endmacro %}

{% macro simulator_max_price() -%}
    cast({{ var('max_plausible_price_usd', 10000000) }} as {{ type_double() }})
{%- endmacro %}
