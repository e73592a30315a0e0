-- One row per forced fill from every input: the simulator's file and each venue's liquidation
-- staging model (loaded rows only), with identical columns. The simulator contributes only the
-- venues that no venue file feeds (macro simulator_venue_included; var use_simulator: false
-- drops it). Adding a venue = one staging model + one line in venue_models below (a new format
-- of a venue already here = one more reader in that venue's model and a registry entry).
-- record_source (from staging) says where a row comes from: 'simulator' or 'venue_file'.
-- liquidation_id: the simulator's own id, or format_number x 1e12 + the row's number within its
-- format, format_number being the format's place among the registry's liquidation formats
-- (venue_file_formats(), kind liquidations), so ids never collide (a key only: read a row's
-- origin from record_source and source_format, never from its id).
{%- set venue_models = [
    ref('stg_binance__liquidations'),
    ref('stg_bybit__liquidations'),
    ref('stg_okx__liquidations'),
    ref('stg_hyperliquid__liquidations'),
] %}
{%- set liquidation_formats = [] %}
{%- for fmt, spec in venue_file_formats().items() if spec['kind'] == 'liquidations' %}
{%- do liquidation_formats.append(fmt) %}
{%- endfor %}

with

simulator as (
    select
        liquidation_id,
        position_id,
        venue,
        symbol,
        side,
        is_long,
        quantity,
        price,
        notional_usd,
        liquidated_at,
        is_shown_in_public_feed,
        'fill' as price_basis,
        false as is_snapshot_sampled,
        record_source,
        'simulator' as source_format,
        cast(null as {{ dbt.type_string() }}) as source_file,
        -- when the incremental staging (re)loaded the row (macros/incremental)
        loaded_at
    from {{ ref('stg_simulator__liquidations') }}
    where {{ simulator_venue_included('venue') }}
),

venue_files as (
    {% for model in venue_models %}
    select
        cast(case source_format
            {%- for fmt in liquidation_formats %} when '{{ fmt }}' then {{ loop.index }}{% endfor %}
        end as {{ dbt.type_bigint() }}) * 1000000000000 + source_row_number as liquidation_id,
        cast(null as {{ dbt.type_bigint() }}) as position_id,
        venue,
        symbol,
        side,
        is_long,
        quantity,
        price,
        notional_usd,
        liquidated_at,
        -- every row of a venue's public feed was, by definition, shown by it
        true as is_shown_in_public_feed,
        price_basis,
        is_snapshot_sampled,
        record_source,
        source_format,
        source_file,
        -- venue staging tables are rebuilt every run: their rows are (re)loaded by this run
        {{ incremental_loaded_at() }} as loaded_at
    from {{ model }}
    where quarantine_reason is null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select * from simulator
    union all
    select * from venue_files
)

select * from final
