{#-
    The hourly uniqueness check of an incrementally loaded model: every key the latest load wrote
    (the rows with the newest `loaded_at`, i.e. this dbt run's, see incremental_loaded_at())
    appears exactly once in the WHOLE model. Returns one row per duplicated key.

    It costs one scan of the key column plus the new rows, where `unique` groups every row (3 s
    at 6M rows, every hour). The scheduled job's hourly runs use it INSTEAD of `unique`
    (house_edge/job_inputs.py, selection_args). That is enough because rows only change by being
    loaded: every key written earlier was checked by the run that wrote it, and the job never
    runs an hourly selection after a run that did not finish (scheduled.plan_run): that run
    builds and tests everything. Full builds (`house-edge build`, the scheduled job's full runs)
    run `unique` only (config.FULL_BUILD_EXCLUDES): their latest load is the whole table, and at
    scale 10 the two tests at once ran out of DuckDB's memory limit. Every other build, Dagster's
    jobs and a plain `dbt build` included, runs both.
-#}
{% test unique_keys_of_latest_load(model, column_name, loaded_at='loaded_at') %}

with

latest_keys as (
    select {{ column_name }} as key_value
    from {{ model }}
    where {{ loaded_at }} = (select max({{ loaded_at }}) from {{ model }})
)

select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} in (select key_value from latest_keys)
group by {{ column_name }}
having count(*) > 1

{% endtest %}
