-- A venue file that matches a configured path but yields no record (0 bytes, a header row
-- only, blank lines only) is an error, not a silent empty input: the query stops with one
-- message naming every such file and its format (DuckDB's error(), evaluated in the filter so
-- that dbt's count(*) wrapper cannot prune it). `house-edge build` finds the same files before
-- dbt runs (house_edge/raw_files.py check_venue_files).
with

empty_files as (
    select venue, source_format, source_file
    from {{ ref('stg_venue_files__inputs') }}
    where record_count = 0
),

message as (
    select
        count(*) as file_count,
        {{ dbt.listagg("'venue file ' || source_file || ' (' || venue || ':' || source_format || ')'", "'; '",
            "order by source_file") }} as files
    from empty_files
)

select
    empty_files.source_format,
    empty_files.source_file
from empty_files
cross join message
where case when message.file_count > 0 then {{ raise_sql_error(
    "message.files || ': no records (an empty file, or a header row only); "
    ~ "remove it from the venue_files path or fix the capture'"
) }} end is null
