{{ config(
    materialized=incremental_materialization(),
    incremental_strategy=incremental_strategy('delete+insert'),
    unique_key='source_file',
    on_schema_change='fail',
    post_hook="{{ incremental_prune_missing_files(var('raw_positions_path')) }}"
) }}
-- Every raw position row, checked once: the raw columns unchanged, `quarantine_reason` (null =
-- passed) and the file it came from. The normalised codes and the open time the checks compare
-- are not stored (writing a string column is most of this table's cost): the clean view derives
-- them from the raw columns with the same macros. Incremental BY FILE,
-- the pattern of stg_simulator__liquidations_checked (macros/incremental): a run reads only the
-- raw files that are new or changed since it loaded them, replaces all rows of those files, and
-- deletes the rows of files no longer present. stg_simulator__positions (passed rows) and
-- stg_simulator__positions_quarantine (the rest) are views over this table.
{%- set inputs = incremental_checked_inputs(source('simulator', 'positions'), var('raw_positions_path'), 'position_id') %}
with

checked as (
    {{ simulator_positions_checked(inputs.raw_relation, inputs.loaded_keys_relation) }}
),

raw_files as (
    select * from {{ inputs.versions_relation }}
),

final as (
    select
        position_id,
        account_id,
        venue,
        symbol,
        side,
        margin_mode,
        leverage,
        entry_price,
        quantity,
        maintenance_margin_rate,
        maintenance_amount_usd,
        opened_at_ms,
        checked.filename as source_file,
        raw_files.source_file_bytes,
        raw_files.source_file_modified_us,
        quarantine_reason,
        {{ incremental_loaded_at() }} as loaded_at
    from checked
    left join raw_files
        on checked.filename = raw_files.source_file
)

select * from final
