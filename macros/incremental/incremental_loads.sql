{#-
    Incremental loads: the reusable pattern behind the large facts (see _incremental__macros.yml).

    Raw files -> a `*_checked` staging model, incremental by FILE:
      each run reads only the raw files that are new (never loaded) or still "live" (their latest
      valid event is within var('incremental_lookback_minutes') of the watermark, i.e. a capture
      that may still be appended to), and replaces every row of those files (delete+insert with
      unique_key = source_file). Re-running the same window re-reads the same files and writes the
      same rows: idempotent. The file list is a constant IN list, so DuckDB opens no other file.
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
    The raw files a `*_checked` model must (re)read on this run, as a list of paths, or none when
    the model is built from scratch (first run or --full-refresh: read everything).
    raw_path: the glob the source reads (the same var); event_time: a timestamp column of `this`.
    A file is read when it is not in `this` yet, or when its latest valid event
    (quarantine_reason is null) is at or after the watermark minus the lookback.
    Runs a query at execution time (DuckDB's glob() lists the files the reader would match,
    spelled as the reader's `filename` column spells them).
-#}
{% macro incremental_raw_files_to_read(raw_path, event_time) -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set list_sql -%}
        with

        present as (
            select file as source_file from glob('{{ raw_path | replace("'", "''") }}')
        ),

        loaded as (
            select
                source_file,
                max(case when quarantine_reason is null then {{ event_time }} end) as last_event_at
            from {{ this }}
            group by 1
        ),

        watermark as (
            select max(last_event_at) - {{ incremental_lookback_interval() }} as live_from
            from loaded
        )

        select present.source_file
        from present
        left join loaded
            on present.source_file = loaded.source_file
        cross join watermark
        where loaded.source_file is null
            or loaded.last_event_at >= watermark.live_from
        order by 1
    {%- endset -%}
    {{ return(run_query(list_sql).columns[0].values() | list) }}
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
-#}
{% macro incremental_prune_missing_keys(upstream_relation, key) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where not exists (
            select 1 from {{ upstream_relation }} as upstream
            where upstream.{{ key }} = {{ this }}.{{ key }}
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
