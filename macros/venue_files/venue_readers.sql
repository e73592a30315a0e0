{#-
    Engine-specific pieces of the venue-file loaders, dispatched so the staging SQL stays portable.
    The file readers are DuckDB's (reading files in place is what it is for): they are the source
    tables venue_files.* (models/staging/venue_files/_venue_files__sources.yml). The per-row JSON
    and text functions also have Spark versions, so with no venue file configured (the default)
    every venue model builds, empty, on Spark. A macro with no implementation for the adapter
    raises a compile error naming it when a model using it runs, never at parse time (that would
    block the whole project on another adapter), and never silently wrong SQL.
-#}

{% macro venue_duckdb_only(name) -%}
    {%- if execute -%}
        {{ exceptions.raise_compiler_error("venue-file macro " ~ name ~ " has no implementation for adapter " ~ adapter.type() ~ "; venue files are read in place by DuckDB (README \"Running on Spark\": exclusions)") }}
    {%- endif -%}
{%- endmacro %}

{#- Stop the query with `message` (a SQL string expression) when evaluated. -#}
{% macro raise_sql_error(message) -%}
    {{ return(adapter.dispatch('raise_sql_error', 'house_edge')(message)) }}
{%- endmacro %}

{% macro default__raise_sql_error(message) -%}
    {{ venue_duckdb_only('raise_sql_error') }}
{%- endmacro %}

{% macro spark__raise_sql_error(message) -%}
    raise_error({{ message }})
{%- endmacro %}

{% macro duckdb__raise_sql_error(message) -%}
    error({{ message }})
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

{% macro spark__json_text(document, path) -%}
    get_json_object({{ document }}, '{{ path }}')
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

{% macro spark__json_value(document, path) -%}
    get_json_object({{ document }}, '{{ path }}')
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

{#- from_json to array<string> keeps each element's JSON text; not an array (or empty): one null. -#}
{% macro spark__json_items_or_null(document, path) -%}
    explode(
        case
            when size(from_json(get_json_object({{ document }}, '{{ path }}'), 'array<string>')) > 0
                then from_json(get_json_object({{ document }}, '{{ path }}'), 'array<string>')
            else array(cast(null as string))
        end
    )
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

{% macro spark__try_text_to_epoch_ms(text) -%}
    unix_millis(try_cast(replace(replace({{ text }}, 'T', ' '), 'Z', '') as timestamp))
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
        '(.+?)-?(USDT|USDC|FDUSD|BUSD|USD)$', {{ regex_group_reference(1) }}), '')
{%- endmacro %}

{#- A regexp_replace back-reference to capture group n, as a SQL string literal: DuckDB's
    '\1', Spark's '$1' (a backslash in a Spark string literal is an escape). -#}
{% macro regex_group_reference(n) -%}
    {{ return(adapter.dispatch('regex_group_reference', 'house_edge')(n)) }}
{%- endmacro %}

{% macro default__regex_group_reference(n) -%}
    '\{{ n }}'
{%- endmacro %}

{% macro spark__regex_group_reference(n) -%}
    '${{ n }}'
{%- endmacro %}
