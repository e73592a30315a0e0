{#-
    Venue files: raw files in the venues' own formats, read in place by DuckDB (never `dbt seed`).

    Configuration is the dbt var `venue_files`, a list of entries
        {venue: binance, format: forceorder-csv, path: 'captures/*.csv'}
    with optional keys `symbol` (base asset, when the file name does not carry it) and
    `price_type` (trade | mark | index, klines only). `path` is a file, a glob, or a list of
    them; relative paths are resolved from the directory dbt runs in. The CLI form is
    `house-edge build --venue-file VENUE:FORMAT:PATH` (house_edge/venue_files.py).

    The registry below is the one place that names the formats: format -> venue, the kind of
    record it carries, and the staging model that reads it. Adding a venue format = one entry
    here + one staging model + one line in its union model (int_liquidations_unioned or
    int_price_bars_unioned). Keep it in step with house_edge/venue_files.py (a test checks).
-#}

{% macro venue_file_formats() -%}
    {{ return({
        'klines-csv': {'venue': 'binance', 'kind': 'price_bars', 'model': 'stg_binance__klines'},
        'forceorder-jsonl': {'venue': 'binance', 'kind': 'liquidations', 'model': 'stg_binance__forceorder_jsonl'},
        'forceorder-csv': {'venue': 'binance', 'kind': 'liquidations', 'model': 'stg_binance__forceorder_csv'},
        'funding-rate-csv': {'venue': 'binance', 'kind': 'funding_rates', 'model': 'stg_binance__funding_rates'},
        'all-liquidation-jsonl': {'venue': 'bybit', 'kind': 'liquidations', 'model': 'stg_bybit__all_liquidation'},
        'kline-jsonl': {'venue': 'bybit', 'kind': 'price_bars', 'model': 'stg_bybit__kline'},
        'liquidation-orders-jsonl': {'venue': 'okx', 'kind': 'liquidations', 'model': 'stg_okx__liquidation_orders'},
        'candles-jsonl': {'venue': 'okx', 'kind': 'price_bars', 'model': 'stg_okx__candles'},
        'fills-jsonl': {'venue': 'hyperliquid', 'kind': 'liquidations', 'model': 'stg_hyperliquid__fills'},
        'candle-snapshot-jsonl': {'venue': 'hyperliquid', 'kind': 'price_bars', 'model': 'stg_hyperliquid__candles'},
        'historical-liquidations-csv': {'venue': 'hyperliquid', 'kind': 'account_liquidations', 'model': 'stg_hyperliquid__historical_liquidations'},
    }) }}
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
