{#-
    Incremental loads, the pattern behind the large facts (README "Incremental models"): raw
    files -> a `*_checked` staging model incremental BY FILE (only new and changed files are
    read; their rows replaced, delete+insert on source_file); downstream facts incremental by
    ROW (what the upstream (re)wrote since their own last `loaded_at`, plus the lookback; rows
    whose key left the upstream pruned). Every row written carries `loaded_at` = the run's start.
-#}

{#- The run's start (UTC, no time zone): the `loaded_at` of every row written by this run. -#}
{% macro incremental_loaded_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- The files `raw_path` (the source's var: a file or glob) matches, as [path, bytes, modification
    time in us], snapshotted BEFORE the read, so a file appended to while this run reads it has
    changed by the next run's snapshot, and is read again then. read_blob: metadata only, no
    content read. Empty at parse time. -#}
{% macro incremental_raw_file_versions(raw_path) -%}
    {{ return(adapter.dispatch('incremental_raw_file_versions', 'house_edge')(raw_path)) }}
{%- endmacro %}

{% macro default__incremental_raw_file_versions(raw_path) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set list_sql -%}
        select filename, size, epoch_us(last_modified)
        from read_blob('{{ raw_path | replace("'", "''") }}')
        order by 1
    {%- endset -%}
    {{ return(run_query(list_sql).rows | map('list') | list) }}
{%- endmacro %}

{#- Spark: the binaryFile source lists the files with their length and modification time (only
    those columns are selected, so no file's content is read); paths as _metadata.file_path
    gives them (file:/...), the `filename` of the raw rows (macros/spark/spark_raw_inputs.sql). -#}
{% macro spark__incremental_raw_file_versions(raw_path) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set list_sql -%}
        select path, length, unix_micros(modificationTime)
        from binaryFile.`{{ spark_absolute_path(raw_path) | replace('`', '``') }}`
        order by 1
    {%- endset -%}
    {{ return(run_query(list_sql).rows | map('list') | list) }}
{%- endmacro %}

{#- For a `*_checked` staging model incremental by file (stg_simulator__liquidations_checked) over
    `source_relation` read from `raw_path`, keyed on the raw rows' `key`, a dict:
    * raw_relation: the source, on an incremental run filtered to the new and changed files (a
      constant IN list on `filename`: DuckDB opens no other file);
    * loaded_keys_relation: the keys that passed in earlier runs from files not re-read now (none
      on a build from scratch). Only the files the raw path still matches count (issue 14): the
      same data under another path (relative vs absolute, a new glob) is re-read, never
      quarantined as a duplicate of rows about to be pruned;
    * versions_relation: each file's version (incremental_raw_file_versions), stamped on its rows. -#}
{% macro incremental_checked_inputs(source_relation, raw_path, key) -%}
    {%- set file_versions = incremental_raw_file_versions(raw_path) -%}
    {%- set versions_relation -%}
        {%- if file_versions | length == 0 -%}
        (select cast(null as {{ dbt.type_string() }}) as source_file,
            cast(null as {{ dbt.type_bigint() }}) as source_file_bytes,
            cast(null as {{ dbt.type_bigint() }}) as source_file_modified_us
        where 1 = 0)
        {%- else -%}
        (select * from (values
            {%- for file in file_versions %}
            ('{{ file[0] | replace("'", "''") }}', cast({{ file[1] }} as {{ dbt.type_bigint() }}), cast({{ file[2] }} as {{ dbt.type_bigint() }})){{ "," if not loop.last }}
            {%- endfor %}
        ) as raw_files (source_file, source_file_bytes, source_file_modified_us))
        {%- endif -%}
    {%- endset -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return({'raw_relation': source_relation, 'loaded_keys_relation': none,
                   'versions_relation': versions_relation}) }}
    {%- endif -%}
    {%- set loaded = [] -%}
    {%- for row in run_query("select distinct source_file, source_file_bytes, "
                             ~ "source_file_modified_us from " ~ this).rows -%}
        {%- do loaded.append(row | join('|')) -%}
    {%- endfor -%}
    {%- set files_to_read, files_kept = [], [] -%}
    {%- for file in file_versions -%}
        {%- do (files_kept if (file | join('|')) in loaded else files_to_read).append(file[0]) -%}
    {%- endfor -%}
    {{ return({
        'raw_relation': "(select * from " ~ source_relation ~ " where "
                        ~ incremental_in_list('filename', files_to_read) ~ ")",
        'loaded_keys_relation': "(select " ~ key ~ " from " ~ this
                                ~ " where quarantine_reason is null and "
                                ~ incremental_in_list('source_file', files_kept) ~ ")",
        'versions_relation': versions_relation}) }}
{%- endmacro %}

{#- `column in ('a', 'b')`, or a false predicate for an empty list. -#}
{% macro incremental_in_list(column, values) -%}
    {%- if values | length == 0 -%}
        (1 = 0)
    {%- else -%}
        {{ column }} in (
            {%- for value in values -%}
            '{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}
            {%- endfor -%}
        )
    {%- endif -%}
{%- endmacro %}

{#- Predicate on the upstream (`upstream_alias`) of a row-keyed incremental model: the rows it wrote
    since this model's last load, and those within var `incremental_lookback_minutes` of this
    model's newest `event_time` (late joins are re-done). True on a build from scratch. -#}
{% macro incremental_rows_to_recompute(upstream_alias, event_time) -%}
    {%- if is_incremental() -%}
        (
            {{ upstream_alias }}.loaded_at > (select max(loaded_at) from {{ this }})
            or {{ upstream_alias }}.{{ event_time }} >= (
                select max({{ event_time }}) - interval '{{ var("incremental_lookback_minutes") | int }}' minute
                from {{ this }}
            )
        )
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{#- post_hook of a row-keyed incremental model: deletes its rows whose `key` left
    `upstream_relation` (a re-read file now quarantines or lacks a row). The model holds one
    row per upstream key, of the upstream rows matching `upstream_filter`. After
    the merge every upstream key is in `this`, so equal row counts mean equal key sets: the
    anti-join (a scan of both) runs only when the counts differ. A no-op on a full build. -#}
{% macro incremental_prune_missing_keys(upstream_relation, key, upstream_filter=none) -%}
    {%- if is_incremental() and execute -%}
        {%- set counts = run_query("select (select count(*) from " ~ this ~ "), (select "
                                   ~ "count(*) from " ~ upstream_relation
                                   ~ (" where " ~ upstream_filter if upstream_filter else "")
                                   ~ ")").rows[0] -%}
    {%- endif -%}
    {%- if is_incremental() and execute and counts[0] != counts[1] -%}
        delete from {{ this }}
        where not exists (
            select 1 from {{ upstream_relation }} as upstream
            where upstream.{{ key }} = {{ this }}.{{ key }}
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- post_hook of a `*_checked` model: deletes the rows of files `raw_path` no longer matches (a
    file removed from the capture). A no-op on a build from scratch. -#}
{% macro incremental_prune_missing_files(raw_path) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where source_file not in (
            select file from glob('{{ raw_path | replace("'", "''") }}')
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
