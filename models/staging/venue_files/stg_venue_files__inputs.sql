-- One row per venue file the configured entries match (format x file): how many records it
-- yielded, how many were loaded and quarantined, and the main quarantine reason with its hint.
-- A matched file with no record at all (empty, header only) has records = 0: the data test
-- tests/venue_files/assert_venue_files_have_records.sql stops the build naming it, and the
-- publish gate (house_edge/validate.py, suite venue_files) reads quarantine rates per file here.
{%- set staging_models = [] %}
{%- for fmt, spec in venue_file_formats().items() %}{% set model = ref('stg_' ~ spec['venue'] ~ '__' ~ spec['kind']) %}{% if model not in staging_models %}{% do staging_models.append(model) %}{% endif %}{% endfor %}

with

matched as (
    select distinct venue, source_format, source_file
    from {{ source('venue_files', 'files') }}
),

staged as (
    {% for model in staging_models %}
    select
        source_format,
        source_file,
        count(*) as record_count,
        count(case when quarantine_reason is null then 1 end) as loaded_count
    from {{ model }}
    group by source_format, source_file
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

quarantine_reasons as (
    select
        source_format,
        source_file,
        quarantine_reason,
        quarantine_hint,
        count(*) as reason_count
    from {{ ref('stg_venue_files__quarantine') }}
    group by source_format, source_file, quarantine_reason, quarantine_hint
),

reasons_ranked as (
    select
        quarantine_reasons.*,
        sum(reason_count) over (partition by source_format, source_file) as quarantined_count,
        sum(case when quarantine_reason = 'malformed_json' then reason_count else 0 end)
            over (partition by source_format, source_file) as malformed_count,
        row_number() over (
            partition by source_format, source_file
            order by reason_count desc, quarantine_reason
        ) as reason_rank
    from quarantine_reasons
),

quarantined as (
    select
        source_format,
        source_file,
        quarantined_count,
        malformed_count,
        quarantine_reason as main_quarantine_reason,
        quarantine_hint as main_quarantine_hint
    from reasons_ranked
    where reason_rank = 1
),

final as (
    select
        matched.venue,
        matched.source_format,
        matched.source_file,
        cast(coalesce(staged.record_count, 0) + coalesce(quarantined.malformed_count, 0) as {{ dbt.type_bigint() }}) as record_count,
        cast(coalesce(staged.loaded_count, 0) as {{ dbt.type_bigint() }}) as loaded_count,
        cast(coalesce(quarantined.quarantined_count, 0) as {{ dbt.type_bigint() }}) as quarantined_count,
        cast(
            coalesce(quarantined.quarantined_count, 0)
            / nullif(coalesce(staged.record_count, 0) + coalesce(quarantined.malformed_count, 0), 0)
            as {{ type_double() }}
        ) as quarantine_rate,
        quarantined.main_quarantine_reason,
        quarantined.main_quarantine_hint
    from matched
    left join staged
        on matched.source_format = staged.source_format
        and matched.source_file = staged.source_file
    left join quarantined
        on matched.source_format = quarantined.source_format
        and matched.source_file = quarantined.source_file
)

select * from final
