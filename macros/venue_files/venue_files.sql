{#-
    Venue files: raw files in the venues' own formats, read in place by DuckDB (never `dbt seed`).

    Configuration is the dbt var `venue_files`, a list of entries
        {venue: binance, format: forceorder-csv, path: 'captures/*.csv'}
    with optional keys `symbol` (base asset, when the file name does not carry it) and
    `price_type` (trade | mark | index, klines only). `path` is a file, a glob, or a list of
    them; relative paths are resolved from the directory dbt runs in. The CLI form is
    `house-edge build --venue-file VENUE:FORMAT:PATH` (house_edge/venue_files.py).

    The registry of formats is the dbt var `venue_file_formats` (dbt_project.yml), the one place
    that names them: format -> venue, the kind of record it carries (the staging model that reads
    it is stg_<venue>__<kind>) and, for a delimited format, its number of columns;
    house_edge/venue_files.py reads the same var. Each format is the dbt source table
    venue_files.<format with _>, whose reader is built from the registry and the entries
    (models/staging/venue_files/_venue_files__sources.yml). Adding a venue format = one entry in
    the registry + its source table + one staging model + one line in its union model
    (int_liquidations_unioned or int_price_bars_unioned).
-#}

{% macro venue_file_formats() -%}
    {{ return(var('venue_file_formats')) }}
{%- endmacro %}


{#- Every configured entry, checked: a bad entry fails compilation with a message naming it. The
    union models call it (simulator_venue_included) when dbt parses the project, so a bad entry
    stops any dbt command before it runs; the source tables venue_files.* only skip one. -#}
{% macro venue_file_entries() -%}
    {%- set formats = venue_file_formats() -%}
    {%- set entries = var('venue_files', []) or [] -%}
    {%- if entries is string or entries is mapping -%}
        {{ exceptions.raise_compiler_error("var venue_files must be a list of {venue, format, path} entries, got: " ~ entries) }}
    {%- endif -%}
    {%- set checked = [] -%}
    {%- for entry in entries -%}
        {%- set where = "venue_files entry " ~ loop.index ~ " " ~ tojson(entry) -%}
        {%- if entry is not mapping -%}
            {{ exceptions.raise_compiler_error(where ~ ": expected {venue, format, path}") }}
        {%- endif -%}
        {%- set unknown_keys = entry.keys() | reject('in', ['venue', 'format', 'path', 'symbol', 'price_type']) | list -%}
        {%- if unknown_keys -%}
            {{ exceptions.raise_compiler_error(where ~ ": unknown key(s) " ~ unknown_keys ~ "; allowed: venue, format, path, symbol, price_type") }}
        {%- endif -%}
        {%- if entry.get('format') not in formats -%}
            {{ exceptions.raise_compiler_error(where ~ ": unknown format " ~ entry.get('format') ~ "; known: " ~ (formats.keys() | sort | join(', '))) }}
        {%- endif -%}
        {%- set spec = formats[entry['format']] -%}
        {%- if (entry.get('venue') or '') | lower != spec['venue'] -%}
            {{ exceptions.raise_compiler_error(where ~ ": format " ~ entry['format'] ~ " belongs to venue " ~ spec['venue'] ~ ", not " ~ entry.get('venue')) }}
        {%- endif -%}
        {%- if not entry.get('path') -%}
            {{ exceptions.raise_compiler_error(where ~ ": missing path") }}
        {%- endif -%}
        {%- if entry.get('price_type') and entry['price_type'] not in ['trade', 'mark', 'index'] -%}
            {{ exceptions.raise_compiler_error(where ~ ": price_type must be trade, mark or index") }}
        {%- endif -%}
        {%- set paths = [entry['path']] if entry['path'] is string else entry['path'] -%}
        {%- if paths is mapping or paths | reject('string') | list -%}
            {{ exceptions.raise_compiler_error(where ~ ": path must be a file, a glob or a list of them") }}
        {%- endif -%}
        {%- set whole_json = [] -%}
        {%- for p in paths if p.lower().endswith('.json') or p.lower().endswith('.json.gz') %}{% do whole_json.append(p) %}{% endfor -%}
        {%- if not spec.get('columns') and whole_json and whole_json | length != paths | length -%}
            {{ exceptions.raise_compiler_error(where ~ ": mixes .json files (read whole) and JSON-lines files; give them as two entries") }}
        {%- endif -%}
        {%- do checked.append({
            'index': loop.index,
            'venue': spec['venue'],
            'format': entry['format'],
            'kind': spec['kind'],
            'paths': paths,
            'symbol': entry.get('symbol'),
            'price_type': entry.get('price_type'),
        }) -%}
    {%- endfor -%}
    {{ return(checked) }}
{%- endmacro %}


{#- Venues fed by venue files: the simulator's rows for these venues are left out of the unions
    (a venue is taken entirely from files or entirely from the simulator, never mixed). -#}
{% macro venue_file_venues() -%}
    {{ return(venue_file_entries() | map(attribute='venue') | unique | list) }}
{%- endmacro %}


{#- SQL predicate: the simulator row's venue may enter a union. -#}
{% macro simulator_venue_included(column) -%}
    {%- set replaced = venue_file_venues() -%}
    {%- if not var('use_simulator', true) -%}
        (1 = 0)
    {%- elif replaced -%}
        ({{ column }} not in ({% for v in replaced %}'{{ v }}'{% if not loop.last %}, {% endif %}{% endfor %}))
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}


{#- What to do about a quarantine reason (SQL expression, null when the reason speaks for
    itself). `unknown_symbol` of a format whose symbol comes from the file name (price bars,
    funding rates) means the name carries none: the option that gives it is named. -#}
{% macro venue_quarantine_hint(format_column, reason_column) -%}
    {%- set formats = venue_file_formats() -%}
    {%- set named_by_file = [] -%}
    {%- for fmt, spec in formats.items() if spec['kind'] in ['price_bars', 'funding_rates'] %}{% do named_by_file.append(fmt) %}{% endfor -%}
    case
        when {{ reason_column }} = 'unknown_symbol'
            and {{ format_column }} in ({% for f in named_by_file %}'{{ f }}'{% if not loop.last %}, {% endif %}{% endfor %})
            then 'no symbol in the file name (expected e.g. BTCUSDT-1m-2025-10-10.csv): give it with :symbol=BTC on --venue-file (CLI) or symbol: BTC in the venue_files entry (dbt var)'
        when {{ reason_column }} = 'unknown_symbol'
            then 'symbol not in seed symbols: add a row to seeds/reference/symbols.csv to analyse it'
        when {{ reason_column }} = 'malformed_json'
            then 'this line is not valid JSON (truncated write?); the other lines of the file are read'
        when {{ reason_column }} = 'outside_event_window'
            then 'set vars event_window_start / event_window_end to the capture''s span'
        when {{ reason_column }} = 'unknown_contract_value'
            then 'add the instrument to seed okx_contract_values'
    end
{%- endmacro %}


{#- The lines of one JSON format's source (venue_files.<format>) that are not valid JSON: one row
    per malformed line (blank lines are not records), with its file, its 1-based line number in
    that file and its raw text. The staging models read only the lines that are JSON, so a line
    is either a document there or a row here: rows in = loaded + quarantined holds per line.
    Files read whole (.json, no scan position) have no lines. -#}
{% macro venue_malformed_json_lines(relation, venue, format) -%}
    {{ return(adapter.dispatch('venue_malformed_json_lines', 'house_edge')(relation, venue, format)) }}
{%- endmacro %}

{#- DuckDB: one aggregate pass per file (its first scan position gives the line numbers), the bad
    lines gathered in a list, without a window or a join over every line. Grouped by entry too:
    each entry is its own scan, with its own positions. -#}
{% macro duckdb__venue_malformed_json_lines(relation, venue, format) -%}
    select
        '{{ venue }}' as venue,
        '{{ format }}' as source_format,
        per_file.source_file,
        cast(bad_line.scan_position - per_file.first_position + 1 as {{ dbt.type_bigint() }}) as source_line_number,
        bad_line.record_text as raw_record
    from (
        select
            entry_index,
            source_file,
            min(scan_position) as first_position,
            list(struct_pack(record_text := record_text, scan_position := scan_position)) filter (
                where document is null and trim(record_text) <> ''
            ) as bad_lines
        from {{ relation }}
        where scan_position is not null
        group by entry_index, source_file
    ) as per_file, unnest(per_file.bad_lines) as t(bad_line)
{%- endmacro %}

{#- Other engines: the same rows through a join with each file's first position. -#}
{% macro default__venue_malformed_json_lines(relation, venue, format) -%}
    select
        '{{ venue }}' as venue,
        '{{ format }}' as source_format,
        lines.source_file,
        cast(lines.scan_position - files.first_position + 1 as {{ dbt.type_bigint() }}) as source_line_number,
        lines.record_text as raw_record
    from {{ relation }} as lines
    inner join (
        select entry_index, source_file, min(scan_position) as first_position
        from {{ relation }}
        where scan_position is not null
        group by entry_index, source_file
    ) as files
        on lines.entry_index = files.entry_index
        and lines.source_file = files.source_file
    where lines.document is null
        and trim(lines.record_text) <> ''
        and lines.scan_position is not null
{%- endmacro %}
