-- Every rejected row of every venue-format staging model, with its reason and source file, in
-- one place (the simulator's own rejects stay in stg_simulator__*_quarantine), plus the lines of
-- JSON-lines files that are not JSON at all (`malformed_json`, with their line number), read from
-- the JSON formats' sources (the staging models read only the lines that are JSON). The staging
-- models and sources are the registry's (venue_file_formats()), so a new format is included here
-- without editing this model.
{%- set staging_models = [] %}
{%- set json_formats = [] %}
{%- for fmt, spec in venue_file_formats().items() %}{% set model = ref('stg_' ~ spec['venue'] ~ '__' ~ spec['kind']) %}{% if model not in staging_models %}{% do staging_models.append(model) %}{% endif %}{% if not spec.get('columns') %}{% do json_formats.append((fmt, spec['venue'])) %}{% endif %}{% endfor %}

with

rejected as (
    {% for model in staging_models %}
    select
        venue,
        source_format,
        source_file,
        cast(null as {{ dbt.type_bigint() }}) as source_line_number,
        raw_record,
        quarantine_reason
    from {{ model }}
    where quarantine_reason is not null
    union all
    {% endfor %}
    {% for fmt, venue in json_formats %}
    select
        venue,
        source_format,
        source_file,
        source_line_number,
        raw_record,
        'malformed_json' as quarantine_reason
    from (
        {{ venue_malformed_json_lines(source('venue_files', fmt | replace('-', '_')), venue, fmt) }}
    ) as malformed
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        rejected.*,
        {{ venue_quarantine_hint('source_format', 'quarantine_reason') }} as quarantine_hint
    from rejected
)

select * from final
