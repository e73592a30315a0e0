{#- One fingerprint per venue x symbol of the price bars inside the event window: a hash of every
    bar's open time, low and high, in time order. fct_position_outcomes stores it on each
    position (`price_path_version`) and recomputes a series' positions when it changes. -#}
{% macro price_path_versions(price_bars_relation) -%}
    select
        venue,
        symbol,
        {{ dbt.hash(dbt.listagg(
            dbt.concat(["cast(bar_opened_at as " ~ dbt.type_string() ~ ")", "'|'",
                        "cast(low_price as " ~ dbt.type_string() ~ ")", "'|'",
                        "cast(high_price as " ~ dbt.type_string() ~ ")"]),
            "';'", "order by bar_opened_at")) }} as price_path_version
    from {{ price_bars_relation }}
    where bar_opened_at >= cast('{{ var("event_window_start") }}' as {{ dbt.type_timestamp() }})
        and bar_opened_at < cast('{{ var("event_window_end") }}' as {{ dbt.type_timestamp() }})
    group by 1, 2
{%- endmacro %}
