-- One row: which dbt invocation built this warehouse, and when. BI tools show it as "data as of";
-- a reader can tell two builds apart (the concurrency tests compare it before and after a publish),
-- and dbt refuses to write a file whose row is marked published (macros/published_warehouse_guard.sql).
select
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as dbt_invocation_id,
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as built_at,
    cast('{{ dbt_version }}' as {{ dbt.type_string() }}) as dbt_version,
    -- Set by house-edge's publish step on the file it renames over the published warehouse
    -- (house_edge/publish.py mark_published); null in a file dbt built and nobody published.
    cast(null as timestamp) as published_at
