{#-
    Raw inputs on Apache Spark (README "Running on Spark"). On DuckDB the simulator's files are
    read in place through dbt-duckdb's `external_location` (models/staging/simulator/
    _simulator__sources.yml). dbt-spark has no such thing: source('simulator', X) renders as the
    table `simulator.X`, so on-run-start declares, for each raw path (the three raw files and the optional account collateral),
      simulator.X__files  a Spark table over the files (USING csv with the columns and types
                          declared in the source YAML, or USING parquet), the path absolute;
      simulator.X         a view adding `filename`, each row's file path (_metadata.file_path).
    Re-declared on every run (DROP + CREATE; dropping an unmanaged table never touches the files),
    so a changed raw var takes effect. A no-op on DuckDB.
    The venue files' sources (venue_files.<format>, models/staging/venue_files/_venue_files__sources.yml)
    are read by DuckDB only: each is declared as an empty view with its columns, so the venue
    models build, empty, as on DuckDB without a venue file; a configured venue file stops the run
    (README "Running on Spark": exclusions).
-#}
{% macro declare_raw_inputs() -%}
    {{ return(adapter.dispatch('declare_raw_inputs', 'house_edge')()) }}
{%- endmacro %}

{% macro default__declare_raw_inputs() -%}
    select 1
{%- endmacro %}

{#- An absolute path: relative raw paths are taken from the directory dbt runs in (as DuckDB
    does); Spark alone would resolve them against its warehouse dir and read no row. -#}
{% macro spark_absolute_path(path) -%}
    {%- if path.startswith('/') or ':/' in path -%}
        {{ return(path) }}
    {%- endif -%}
    {%- set root = env_var('HOUSE_EDGE_PROJECT_ROOT', env_var('PWD', '')) -%}
    {%- if not root.startswith('/') -%}
        {{ exceptions.raise_compiler_error("raw path " ~ path ~ " is relative and the directory dbt runs in is unknown: give an absolute path (or a URI such as s3a://...) on Spark, or set HOUSE_EDGE_PROJECT_ROOT") }}
    {%- endif -%}
    {{ return(root.rstrip('/') ~ '/' ~ (path[2:] if path.startswith('./') else path)) }}
{%- endmacro %}

{#- Source YAML types -> Spark SQL types (varchar is DuckDB's name for string; json is text). -#}
{% macro spark_raw_type(data_type) -%}
    {%- set t = (data_type or 'string') | lower -%}
    {{ return('string' if t in ('varchar', 'text', 'json') else 'int' if t == 'integer' else t) }}
{%- endmacro %}

{% macro spark__declare_raw_inputs() -%}
    {%- if not execute or flags.WHICH not in ('build', 'run', 'seed', 'test', 'compile', 'show', 'run-operation') -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- set raw_vars = {'price_bars': 'raw_price_bars_path', 'positions': 'raw_positions_path',
                        'liquidations': 'raw_liquidations_path',
                        'account_collateral': 'raw_account_collateral_path',
                        'adl_fills': 'raw_adl_fills_path',
                        'cross_margin_drains': 'raw_cross_margin_drains_path'} -%}
    {%- if var('venue_files', []) -%}
        {{ exceptions.raise_compiler_error("venue files (var venue_files) are read in place by DuckDB only; on Spark, run without them (README \"Running on Spark\": exclusions)") }}
    {%- endif -%}
    {%- do run_query('create schema if not exists simulator') -%}
    {%- for node in graph.sources.values() if node.source_name == 'simulator' and node.name in raw_vars -%}
        {%- set path = spark_absolute_path(var(raw_vars[node.name])) -%}
        {%- set columns = [] -%}
        {%- for column in node.columns.values() if column.name != 'filename' -%}
            {%- do columns.append('`' ~ column.name ~ '` ' ~ spark_raw_type(column.data_type)) -%}
        {%- endfor -%}
        {%- set files_table = 'simulator.' ~ node.name ~ '__files' -%}
        {%- do run_query('drop view if exists simulator.' ~ node.name) -%}
        {%- do run_query('drop table if exists ' ~ files_table) -%}
        {%- if path.endswith('.parquet') -%}
            {%- do run_query('create table ' ~ files_table ~ ' (' ~ columns | join(', ') ~ ") using parquet options (path '" ~ path | replace("'", "\\'") ~ "')") -%}
        {%- else -%}
            {#- FAILFAST: a malformed row stops the run (DuckDB's read_csv does the same); the
                Python pre-flight (house_edge/raw_files.py) names the file and line first. -#}
            {%- do run_query('create table ' ~ files_table ~ ' (' ~ columns | join(', ') ~ ") using csv options (path '" ~ path | replace("'", "\\'") ~ "', header 'true', sep ',', quote '\"', escape '\"', mode 'FAILFAST')") -%}
        {%- endif -%}
        {%- do run_query('create view simulator.' ~ node.name ~ ' as select *, _metadata.file_path as filename from ' ~ files_table) -%}
    {%- endfor -%}
    {%- do run_query('create schema if not exists venue_files') -%}
    {%- for node in graph.sources.values() if node.source_name == 'venue_files' -%}
        {%- set columns = [] -%}
        {%- for column in node.columns.values() -%}
            {%- do columns.append('cast(null as ' ~ spark_raw_type(column.data_type) ~ ') as `' ~ column.name ~ '`') -%}
        {%- endfor -%}
        {%- do run_query('create or replace view venue_files.' ~ node.name ~ ' as select ' ~ columns | join(', ') ~ ' where 1 = 0') -%}
    {%- endfor -%}
    select 1
{%- endmacro %}
