{#-
    The published warehouse is written only by `house-edge build` / the scheduled job: they
    build a private file, gate it, mark it published (marts.build_info.published_at) and
    os.replace() it over the served file. A plain `dbt build` writes in place, ungated, while
    readers and the Postgres endpoint hold the published build, so it must never target that
    file. on-run-start: refuse a writing command (build, run, seed, snapshot, clone) whose
    target file is the published one (the path HOUSE_EDGE_PUBLISHED_PATH or its default names,
    or any file holding a build_info row marked published), before any node runs.
-#}
{% macro refuse_to_write_published_warehouse() -%}
    {#- Only DuckDB targets have a published file; other adapters (Spark) write their own schemas. -#}
    {%- if execute and target.type == 'duckdb' and flags.WHICH in ('build', 'run', 'seed', 'snapshot', 'clone') -%}
        {%- set target_path = (target.path or '') | replace('\\', '/') -%}
        {%- set published_path = env_var('HOUSE_EDGE_PUBLISHED_PATH', 'warehouse/house_edge.duckdb') | replace('\\', '/') -%}
        {%- set how = "dbt builds your development file: leave HOUSE_EDGE_DUCKDB_PATH unset (default warehouse/dev/house_edge.duckdb) or point it at another file; `house-edge build` builds, gates and publishes the warehouse atomically." -%}
        {%- set target_path = target_path[2:] if target_path.startswith('./') else target_path -%}
        {%- set published_path = published_path[2:] if published_path.startswith('./') else published_path -%}
        {%- if target_path == published_path -%}
            {{ exceptions.raise_compiler_error("refusing to write " ~ target.path ~ ": it is the published warehouse (HOUSE_EDGE_PUBLISHED_PATH), which dbt never writes in place. " ~ how) }}
        {%- endif -%}
        {%- set marked_sql -%}
            select count(*) from information_schema.columns
            where table_schema = 'marts' and table_name = 'build_info' and column_name = 'published_at'
        {%- endset -%}
        {%- if run_query(marked_sql).columns[0].values()[0] > 0 -%}
            {%- set published = run_query("select max(published_at) from marts.build_info").columns[0].values()[0] -%}
            {%- if published is not none -%}
                {{ exceptions.raise_compiler_error("refusing to write " ~ target.path ~ ": it is a published warehouse (published " ~ published ~ " UTC, marts.build_info.published_at), which dbt never writes in place. " ~ how) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#-
    on-run-end: say where a plain dbt run wrote, and that it is not the published warehouse
    (house-edge's own builds set HOUSE_EDGE_BUILD_ROLE and say it themselves).
-#}
{% macro say_where_dbt_built() -%}
    {%- if execute and target.type == 'duckdb' and flags.WHICH in ('build', 'run', 'seed', 'snapshot', 'clone')
          and not env_var('HOUSE_EDGE_BUILD_ROLE', '') -%}
        {%- do log("Built " ~ target.path ~ " (your development warehouse, not published: ungated). `house-edge build` builds, validates and publishes warehouse/house_edge.duckdb.", info=True) -%}
    {%- endif -%}
{%- endmacro %}
