{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='source_file',
    on_schema_change='fail',
    post_hook="{{ incremental_prune_missing_files(var('raw_liquidations_path')) }}"
) }}
-- Every raw liquidation row, checked once: the raw columns unchanged, the normalised helper
-- columns, `quarantine_reason` (null = passed) and the file it came from. Incremental BY FILE
-- (macros/incremental): a run reads only the raw files that are new or changed (size or
-- modification time) since it loaded them, replaces all rows of those files, and deletes the
-- rows of files no longer present. stg_simulator__liquidations (passed rows) and
-- stg_simulator__liquidations_quarantine (the rest) are views over this table, so they
-- partition the raw rows exactly, however many runs loaded them.
{%- set file_versions = incremental_raw_file_versions(var('raw_liquidations_path')) %}
{%- set files_to_read = incremental_raw_files_to_read(file_versions) %}
{%- set raw_relation = source('simulator', 'liquidations') %}
{%- if files_to_read is not none %}
{%- set raw_relation = "(select * from " ~ raw_relation ~ " where " ~ incremental_in_list('filename', files_to_read) ~ ")" %}
{%- set loaded_keys_relation = "(select liquidation_id from " ~ this ~ " where quarantine_reason is null and not " ~ incremental_in_list('source_file', files_to_read) ~ ")" %}
{%- else %}
{%- set loaded_keys_relation = none %}
{%- endif %}
with

checked as (
    {{ simulator_liquidations_checked(raw_relation, loaded_keys_relation) }}
),

raw_files as (
    select * from {{ incremental_raw_file_versions_relation(file_versions) }}
),

final as (
    select
        liquidation_id,
        position_id,
        venue,
        symbol,
        side,
        quantity,
        price,
        liquidated_at_ms,
        is_shown_in_public_feed,
        venue_normalised,
        symbol_normalised,
        side_normalised,
        liquidated_at,
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
