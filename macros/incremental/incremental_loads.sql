{#-
    Incremental loads: the reusable pattern behind the large facts (see _incremental__macros.yml).

    Raw files -> a `*_checked` staging model, incremental by FILE:
      each run reads only the raw files that are new (never loaded) or changed (size or
      modification time differs from the version loaded: a live capture appended to, a file
      rewritten), and replaces every row of those files (delete+insert with unique_key =
      source_file). Re-running with no new data reads no file and writes nothing: idempotent. The
      file list is a constant IN list, so DuckDB opens no other file.
    Downstream facts -> incremental by ROW or BUCKET:
      a model recomputes the rows its upstream (re)wrote since its own last load (`loaded_at`), plus
      the rows within the lookback of its own watermark (so late positions or price bars within the
      lookback are merged), keyed by its unique key (delete+insert), and prunes rows whose key left
      the upstream.
    Every incremental model stamps `loaded_at` = the run's start time on the rows it writes.
-#}

{#- The run's start (UTC, no time zone): the `loaded_at` of every row written by this run. -#}
{% macro incremental_loaded_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- Lookback as a SQL interval (var incremental_lookback_minutes). Dispatched: interval syntax. -#}
{% macro incremental_lookback_interval() -%}
    {{ return(adapter.dispatch('incremental_lookback_interval', 'house_edge')()) }}
{%- endmacro %}

{% macro default__incremental_lookback_interval() -%}
    interval '{{ var("incremental_lookback_minutes") | int }}' minute
{%- endmacro %}

{#-
    The raw files a `*_checked` model reads, snapshotted BEFORE the read: a list of
    [path, bytes, modified_us] (size and modification time in microseconds since the epoch), from
    DuckDB's read_blob() (metadata only: the projection never opens the files' content). Taken
    first so a file appended to while this run reads it has changed by the next run's snapshot,
    and is read again then. Empty at parse time.
-#}
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

{#-
    The raw files a `*_checked` model must (re)read on this run, as a list of paths, or none when
    the model is built from scratch (first run or --full-refresh: read everything).
    file_versions: incremental_raw_file_versions(). A file is read when it is not in `this` yet
    or its size or modification time differs from the version `this` loaded (appended to,
    rewritten); an unchanged file is never opened. The list becomes a constant IN filter on the
    reader's `filename`, which DuckDB uses to skip every other file.
-#}
{% macro incremental_raw_files_to_read(file_versions) -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set loaded_sql -%}
        select distinct source_file, source_file_bytes, source_file_modified_us from {{ this }}
    {%- endset -%}
    {%- set loaded = [] -%}
    {%- for row in run_query(loaded_sql).rows -%}
        {%- do loaded.append(row[0] ~ '|' ~ row[1] ~ '|' ~ row[2]) -%}
    {%- endfor -%}
    {%- set to_read = [] -%}
    {%- for file in file_versions -%}
        {%- if (file[0] ~ '|' ~ file[1] ~ '|' ~ file[2]) not in loaded -%}
            {%- do to_read.append(file[0]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(to_read) }}
{%- endmacro %}

{#-
    A relation (source_file, source_file_bytes, source_file_modified_us): the snapshotted
    version of each raw file, as constants, for the checked model to stamp on the rows it reads.
-#}
{% macro incremental_raw_file_versions_relation(file_versions) -%}
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
{%- endmacro %}

{#-
    Everything a `*_checked` model incremental by file needs, as a dict:
      file_versions: incremental_raw_file_versions(raw_path) (snapshotted before the read);
      raw_relation: the source, filtered to the files to read on an incremental run;
      loaded_keys_relation: `key` of the rows that passed in earlier runs from files that the
        raw path still matches and that are not re-read now (a passing row with one of them is a
        duplicate), or none on a build from scratch. Rows of files the path no longer matches
        are never counted: they are pruned after this run (incremental_prune_missing_files), so
        pointing the same data at another path (relative vs absolute, a new glob) re-reads it
        instead of quarantining every row as a duplicate of rows about to be deleted.
-#}
{% macro incremental_checked_inputs(source_relation, raw_path, key) -%}
    {%- set file_versions = incremental_raw_file_versions(raw_path) -%}
    {%- set files_to_read = incremental_raw_files_to_read(file_versions) -%}
    {%- if files_to_read is none -%}
        {{ return({'file_versions': file_versions, 'raw_relation': source_relation,
                   'loaded_keys_relation': none}) }}
    {%- endif -%}
    {#- The files still matched by the raw path and loaded before, unchanged: their rows stay. -#}
    {%- set files_kept = file_versions | map(attribute=0) | reject('in', files_to_read) | list -%}
    {{ return({
        'file_versions': file_versions,
        'raw_relation': "(select * from " ~ source_relation ~ " where "
                        ~ incremental_in_list('filename', files_to_read) ~ ")",
        'loaded_keys_relation': "(select " ~ key ~ " from " ~ this
                                ~ " where quarantine_reason is null and "
                                ~ incremental_in_list('source_file', files_kept) ~ ")"}) }}
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

{#-
    Predicate on an upstream relation (aliased `upstream_alias`) selecting the rows a row-keyed
    incremental model must recompute: rows the upstream wrote since this model's last load, and
    rows at or after this model's watermark on `event_time` minus the lookback. True when the
    model is built from scratch.
-#}
{% macro incremental_rows_to_recompute(upstream_alias, event_time) -%}
    {%- if is_incremental() -%}
        (
            {{ upstream_alias }}.loaded_at > (select max(loaded_at) from {{ this }})
            or {{ upstream_alias }}.{{ event_time }} >= (
                select max({{ event_time }}) - {{ incremental_lookback_interval() }} from {{ this }}
            )
        )
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{#-
    SQL timestamp expression: the first `grain` bucket a bucketed incremental model must
    recompute, i.e. the bucket of the earliest `event_time` among rows of `upstream_relation`
    written since this model's last load (null, so nothing is recomputed, when there are none).
    Buckets are recomputed from there to the end of the series. Only valid when is_incremental().
-#}
{% macro incremental_first_bucket_to_recompute(upstream_relation, event_time, grain) -%}
    (
        select {{ dbt.date_trunc(grain, 'min(' ~ event_time ~ ')') }}
        from {{ upstream_relation }}
        where loaded_at > (select max(loaded_at) from {{ this }})
    )
{%- endmacro %}

{#-
    post_hook for a row-keyed incremental model: delete the rows whose key is no longer in the
    upstream (e.g. a re-read raw file now quarantines or lacks a row). No-op on a full build.
    After the merge every upstream key is in `this`, so equal row counts mean equal key sets: the
    anti-join (a scan of both) runs only when the counts differ. rows_per_key: rows of `this` per
    upstream key (e.g. 3 scenarios); upstream_filter: the upstream rows `this` keeps (a SQL
    predicate), when it keeps fewer.
-#}
{% macro incremental_prune_missing_keys(upstream_relation, key, rows_per_key=1, upstream_filter=none) -%}
    {%- if is_incremental() and execute -%}
        {%- set counts = run_query("select (select count(*) from " ~ this ~ "), (select "
                                   ~ rows_per_key ~ " * count(*) from " ~ upstream_relation
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

{#-
    post_hook for a `*_checked` model incremental by file: delete the rows of raw files no longer
    present (a file removed from the capture), so the downstream prune hooks drop their rows too.
    A no-op statement on a build from scratch.
-#}
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
