{#-
    Venue files: raw files in the venues' own formats, read in place by DuckDB (never `dbt seed`).

    Configuration is the dbt var `venue_files`, a list of entries
        {venue: binance, format: forceorder-csv, path: 'captures/*.csv'}
    with optional keys `symbol` (base asset, when the file name does not carry it) and
    `price_type` (trade | mark | index, klines only). `path` is a file, a glob, or a list of
    them; relative paths are resolved from the directory dbt runs in. The CLI form is
    `house-edge build --venue-file VENUE:FORMAT:PATH` (house_edge/venue_files.py).

    The registry of formats is the dbt var `venue_file_formats` (dbt_project.yml), the one place
    that names them: format -> venue, the kind of record it carries, and the staging model that
    reads it; house_edge/venue_files.py reads the same var. Adding a venue format = one entry
    there + one staging model + one line in its union model (int_liquidations_unioned or
    int_price_bars_unioned).
-#}

{% macro venue_file_formats() -%}
    {{ return(var('venue_file_formats')) }}
{%- endmacro %}


{#- Every configured entry, checked: a bad entry fails compilation with a message naming it. -#}
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


{#- The entries of one format. -#}
{% macro venue_file_entries_for(format) -%}
    {{ return(venue_file_entries() | selectattr('format', 'equalto', format) | list) }}
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


{#- A SQL string literal (or null). -#}
{% macro venue_sql_literal(value) -%}
    {%- if value is none -%}cast(null as {{ dbt.type_string() }}){%- else -%}'{{ value | string | replace("'", "''") }}'{%- endif -%}
{%- endmacro %}


{#- The raw rows of one format's files as positional VARCHAR columns c00..c<n-1> plus
    source_file and the entry's options (entry_index, entry_symbol, entry_price_type).
    Every value is read as text and parsed in staging, so a value that does not parse is
    quarantined with a reason instead of failing the whole build. `.parquet` paths are read
    with read_parquet and their first n columns taken by position. -#}
{% macro venue_raw_delimited(format, column_count) -%}
    {%- set entries = venue_file_entries_for(format) -%}
    {%- if not entries -%}
        select
            {% for i in range(column_count) %}cast(null as {{ dbt.type_string() }}) as c{{ '%02d' % i }},
            {% endfor %}cast(null as {{ dbt.type_string() }}) as source_file,
            cast(null as {{ dbt.type_int() }}) as entry_index,
            cast(null as {{ dbt.type_string() }}) as entry_symbol,
            cast(null as {{ dbt.type_string() }}) as entry_price_type
        where 1 = 0
    {%- else -%}
        {%- for entry in entries %}
        {%- if not loop.first %}
        union all
        {% endif -%}
        select
            {% for i in range(column_count) %}cast(c{{ '%02d' % i }} as {{ dbt.type_string() }}) as c{{ '%02d' % i }},
            {% endfor %}filename as source_file,
            {{ entry['index'] }} as entry_index,
            {{ venue_sql_literal(entry['symbol']) }} as entry_symbol,
            {{ venue_sql_literal(entry['price_type']) }} as entry_price_type
        from {{ read_positional_text_columns(entry['paths'], column_count) }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{#- The raw JSON documents of one format's files: one row per line of a JSON-lines file (or per
    element of a top-level JSON array), column `document` (JSON) plus source_file. -#}
{% macro venue_raw_json(format) -%}
    {%- set entries = venue_file_entries_for(format) -%}
    {%- if not entries -%}
        select
            cast(null as {{ type_json() }}) as document,
            cast(null as {{ dbt.type_string() }}) as source_file,
            cast(null as {{ dbt.type_int() }}) as entry_index,
            cast(null as {{ dbt.type_string() }}) as entry_symbol
        where 1 = 0
    {%- else -%}
        {%- for entry in entries %}
        {%- if not loop.first %}
        union all
        {% endif -%}
        select
            json as document,
            filename as source_file,
            {{ entry['index'] }} as entry_index,
            {{ venue_sql_literal(entry['symbol']) }} as entry_symbol
        from {{ read_json_documents(entry['paths']) }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{#- True for a format whose files are JSON (its name ends in jsonl / json). -#}
{% macro venue_format_is_json(format) -%}
    {{ return(format.endswith('jsonl') or format.endswith('json')) }}
{%- endmacro %}


{#- The lines of JSON-lines venue files (every JSON format's entries, .json files excepted:
    those are read whole) that are not valid JSON: one row per malformed line, with its file,
    its 1-based line number and its raw text, reason `malformed_json`. venue_raw_json leaves
    these lines out, so a record is either a document in its format's staging model or a row
    here: rows in = loaded + quarantined holds per line. One aggregate pass per entry: the
    file's first scan position gives line numbers without a window over every line. -#}
{% macro venue_raw_json_malformed() -%}
    {%- set entries = [] -%}
    {%- for entry in venue_file_entries() if venue_format_is_json(entry['format']) -%}
        {%- if venue_whole_json_paths(entry['paths']) | length == 0 -%}{% do entries.append(entry) %}{%- endif -%}
    {%- endfor -%}
    {%- if entries and target.type != 'duckdb' -%}
        {{ venue_duckdb_only('venue_raw_json_malformed') }}
    {%- endif -%}
    {%- if not entries -%}
        select
            cast(null as {{ dbt.type_string() }}) as venue,
            cast(null as {{ dbt.type_string() }}) as source_format,
            cast(null as {{ dbt.type_string() }}) as source_file,
            cast(null as {{ dbt.type_bigint() }}) as source_line_number,
            cast(null as {{ dbt.type_string() }}) as raw_record
        where 1 = 0
    {%- else -%}
        {%- for entry in entries %}
        {%- if not loop.first %}
        union all
        {% endif -%}
        select
            '{{ entry["venue"] }}' as venue,
            '{{ entry["format"] }}' as source_format,
            source_file,
            cast(bad_line.ordinality - first_ordinality + 1 as {{ dbt.type_bigint() }}) as source_line_number,
            bad_line.line as raw_record
        from (
            select
                filename as source_file,
                min(ordinality) as first_ordinality,
                list(struct_pack(line := line, ordinality := ordinality)) filter (
                    where not {{ json_line_is_valid('line') }} and trim(line) <> ''
                ) as bad_lines
            from {{ read_json_lines_text(entry['paths']) }}
            group by filename
        ) as per_file, unnest(per_file.bad_lines) as t(bad_line)
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{#- Every file the configured entries match (DuckDB's glob), one row per format x file:
    venue, source_format, entry_index, source_file. A file that matches but yields no record
    (empty, header only, blank lines only) is found by comparing this with the staging models. -#}
{% macro venue_files_matched() -%}
    {%- set entries = venue_file_entries() -%}
    {%- if not entries -%}
        select
            cast(null as {{ dbt.type_string() }}) as venue,
            cast(null as {{ dbt.type_string() }}) as source_format,
            cast(null as {{ dbt.type_int() }}) as entry_index,
            cast(null as {{ dbt.type_string() }}) as source_file
        where 1 = 0
    {%- else -%}
        {%- for entry in entries %}{% set entry_loop = loop %}{% for path in entry['paths'] %}
        {%- if not (entry_loop.first and loop.first) %}
        union all
        {% endif -%}
        select
            '{{ entry["venue"] }}' as venue,
            '{{ entry["format"] }}' as source_format,
            {{ entry['index'] }} as entry_index,
            file as source_file
        from {{ venue_glob(path) }}
        {%- endfor %}{% endfor -%}
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
