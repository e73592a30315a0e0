{#-
    Engine-specific pieces of the venue-file loaders, dispatched so the staging SQL stays portable.
    Only DuckDB is implemented (reading files in place is what it is for); other adapters get a
    compile error naming the macro, rather than silently wrong SQL.
-#}

{% macro venue_duckdb_only(name) -%}
    {{ exceptions.raise_compiler_error("venue-file macro " ~ name ~ " has no implementation for adapter " ~ adapter.type() ~ "; venue files are read in place by DuckDB") }}
{%- endmacro %}

{% macro venue_path_list(paths) -%}
    [{% for p in paths %}'{{ p | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor %}]
{%- endmacro %}


{#- Positional text columns c00..c<n-1> + filename from CSV files without trusting any header
    (a header row, if present, comes through as data and staging drops it), or Parquet files
    (first n columns by position). -#}
{% macro read_positional_text_columns(paths, column_count) -%}
    {{ return(adapter.dispatch('read_positional_text_columns', 'house_edge')(paths, column_count)) }}
{%- endmacro %}

{% macro default__read_positional_text_columns(paths, column_count) -%}
    {{ venue_duckdb_only('read_positional_text_columns') }}
{%- endmacro %}

{% macro duckdb__read_positional_text_columns(paths, column_count) -%}
    {%- set names = [] -%}
    {%- for i in range(column_count) %}{% do names.append('c%02d' % i) %}{% endfor -%}
    {%- set parquet_paths = [] -%}
    {%- for p in paths if p.endswith('.parquet') %}{% do parquet_paths.append(p) %}{% endfor -%}
    {%- if parquet_paths | length == paths | length -%}
    (select * from read_parquet({{ venue_path_list(paths) }}, filename = true) as parquet_file({{ names | join(', ') }}))
    {%- else -%}
    read_csv({{ venue_path_list(paths) }}, filename = true, header = false, auto_detect = false,
        delim = ',', quote = '"', escape = '"',
        columns = { {%- for n in names %}'{{ n }}': 'VARCHAR'{% if not loop.last %}, {% endif %}{% endfor -%} })
    {%- endif -%}
{%- endmacro %}


{#- One row per JSON document (a line of JSON lines, or an element of a top-level array):
    columns json, filename. -#}
{% macro read_json_documents(paths) -%}
    {{ return(adapter.dispatch('read_json_documents', 'house_edge')(paths)) }}
{%- endmacro %}

{% macro default__read_json_documents(paths) -%}
    {{ venue_duckdb_only('read_json_documents') }}
{%- endmacro %}

{% macro duckdb__read_json_documents(paths) -%}
    read_json_objects({{ venue_path_list(paths) }}, format = 'auto', filename = true)
{%- endmacro %}


{% macro type_json() -%}
    {{ return(adapter.dispatch('type_json', 'house_edge')()) }}
{%- endmacro %}

{% macro default__type_json() -%}
    {{ dbt.type_string() }}
{%- endmacro %}

{% macro duckdb__type_json() -%}
    json
{%- endmacro %}


{#- The text value at a JSONPath (e.g. '$.o.S'); null when absent. Keys are case-sensitive
    (Binance's `s` and `S` are different fields). -#}
{% macro json_text(document, path) -%}
    {{ return(adapter.dispatch('json_text', 'house_edge')(document, path)) }}
{%- endmacro %}

{% macro default__json_text(document, path) -%}
    {{ venue_duckdb_only('json_text') }}
{%- endmacro %}

{% macro duckdb__json_text(document, path) -%}
    json_extract_string({{ document }}, '{{ path }}')
{%- endmacro %}


{#- A JSON value at a JSONPath, still JSON (for nested objects/arrays). -#}
{% macro json_value(document, path) -%}
    {{ return(adapter.dispatch('json_value', 'house_edge')(document, path)) }}
{%- endmacro %}

{% macro default__json_value(document, path) -%}
    {{ venue_duckdb_only('json_value') }}
{%- endmacro %}

{% macro duckdb__json_value(document, path) -%}
    json_extract({{ document }}, '{{ path }}')
{%- endmacro %}


{#- One output row per element of the JSON array at `path` (column `item`, JSON), or ONE row
    with a null item when there is no such array or it is empty: a document that carries no
    record is never dropped silently (staging quarantines it), so rows in = rows out. -#}
{% macro json_items_or_null(document, path) -%}
    {{ return(adapter.dispatch('json_items_or_null', 'house_edge')(document, path)) }}
{%- endmacro %}

{% macro default__json_items_or_null(document, path) -%}
    {{ venue_duckdb_only('json_items_or_null') }}
{%- endmacro %}

{% macro duckdb__json_items_or_null(document, path) -%}
    unnest(
        case
            when json_type({{ document }}, '{{ path }}') = 'ARRAY'
                and json_array_length({{ document }}, '{{ path }}') > 0
                then json_extract({{ document }}, '{{ path }}[*]')
            else [cast(null as json)]
        end
    )
{%- endmacro %}


{#- A text value as DOUBLE / BIGINT, null when it does not parse (never an error). -#}
{% macro try_to_double(text) -%}
    {{ return(adapter.dispatch('try_to_double', 'house_edge')(text)) }}
{%- endmacro %}

{% macro default__try_to_double(text) -%}
    try_cast({{ text }} as {{ type_double() }})
{%- endmacro %}

{% macro try_to_bigint(text) -%}
    {{ return(adapter.dispatch('try_to_bigint', 'house_edge')(text)) }}
{%- endmacro %}

{% macro default__try_to_bigint(text) -%}
    try_cast({{ text }} as {{ dbt.type_bigint() }})
{%- endmacro %}


{#- 'YYYY-MM-DD HH:MM:SS[.fff]' or ISO 8601 'YYYY-MM-DDTHH:MM:SS[.fff][Z]' (UTC) -> epoch ms; null
    when it does not parse. -#}
{% macro try_text_to_epoch_ms(text) -%}
    {{ return(adapter.dispatch('try_text_to_epoch_ms', 'house_edge')(text)) }}
{%- endmacro %}

{% macro default__try_text_to_epoch_ms(text) -%}
    {{ venue_duckdb_only('try_text_to_epoch_ms') }}
{%- endmacro %}

{% macro duckdb__try_text_to_epoch_ms(text) -%}
    epoch_ms(try_cast(replace(replace({{ text }}, 'T', ' '), 'Z', '') as timestamp))
{%- endmacro %}


{#- The first capture group of a regular expression, '' when it does not match. -#}
{% macro regex_capture(text, pattern) -%}
    {{ return(adapter.dispatch('regex_capture', 'house_edge')(text, pattern)) }}
{%- endmacro %}

{% macro default__regex_capture(text, pattern) -%}
    regexp_extract({{ text }}, '{{ pattern }}', 1)
{%- endmacro %}


{#- A venue's instrument name -> its base asset, the warehouse's `symbol`: upper-cased, with the
    quote / contract suffix removed (BTCUSDT, BTC-USDT-SWAP, BTCUSD_PERP, BTC -> BTC). -#}
{% macro venue_base_symbol(instrument) -%}
    nullif(regexp_replace(
        regexp_replace(upper(trim({{ instrument }})), '(-USDT-SWAP|-USDC-SWAP|-USD-SWAP|_PERP|-PERP)$', ''),
        '(.+?)-?(USDT|USDC|FDUSD|BUSD|USD)$', '\1'), '')
{%- endmacro %}
