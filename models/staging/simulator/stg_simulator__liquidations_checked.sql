{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='source_file',
    on_schema_change='fail'
) }}
-- Every raw liquidation row, checked once: the raw columns unchanged, the normalised helper
-- columns, `quarantine_reason` (null = passed) and the file it came from. Incremental BY FILE
-- (macros/incremental): a run reads only new raw files and files still within the lookback of
-- the watermark, and replaces all rows of those files. stg_simulator__liquidations (passed rows)
-- and stg_simulator__liquidations_quarantine (the rest) are views over this table, so they
-- partition the raw rows exactly, however many runs loaded them.
{%- set files_to_read = incremental_raw_files_to_read(var('raw_liquidations_path'), 'liquidated_at') %}
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
        filename as source_file,
        quarantine_reason,
        {{ incremental_loaded_at() }} as loaded_at
    from checked
)

select * from final
