-- One row: which dbt invocation built this warehouse, and when. BI tools show it as "data as of";
-- a reader can tell two builds apart (the concurrency tests compare it before and after a publish).
select
    cast('{{ invocation_id }}' as varchar) as dbt_invocation_id,
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as built_at,
    cast('{{ dbt_version }}' as varchar) as dbt_version
