-- A venue file that matches a configured path but yields no record (0 bytes, a header row
-- only, blank lines only) is an error, not a silent empty input: the query stops with a message
-- naming the file and its format (DuckDB's error(), evaluated in the filter so that dbt's
-- count(*) wrapper cannot prune it). `house-edge build` finds the same files before dbt runs
-- (house_edge/raw_files.py check_venue_files).
select
    source_format,
    source_file
from {{ ref('stg_venue_files__inputs') }}
where record_count = 0
    and case when record_count = 0 then {{ raise_sql_error(
        "'venue file ' || source_file || ' (' || venue || ':' || source_format || '): no records "
        ~ "(an empty file, or a header row only); remove it from the venue_files path or fix the capture'"
    ) }} end is null
