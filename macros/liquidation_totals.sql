{#-
    Shared by dim_exchanges and dim_symbols: liquidation totals per `group_column` of
    fct_liquidations (`liquidation_totals_by`), and the columns a dimension shows from them
    (`liquidation_total_columns`, read from the CTE/alias `totals`, typed as macros/types.sql says).
-#}
{% macro liquidation_totals_by(liquidations, group_column, key_alias) %}
    select
        {{ group_column }} as {{ key_alias }},
        count(*) as liquidation_count,
        sum(notional_usd) as liquidated_notional_usd,
        sum(case when is_shown_in_public_feed then notional_usd else 0 end) as public_feed_notional_usd,
        sum(case when is_long then notional_usd else 0 end) as long_notional_usd
    from {{ liquidations }}
    group by 1
{% endmacro %}

{% macro liquidation_total_columns(totals) %}
        {{ count_value('coalesce(' ~ totals ~ '.liquidation_count, 0)') }} as liquidation_count,
        {{ usd_amount('coalesce(' ~ totals ~ '.liquidated_notional_usd, 0)') }} as liquidated_notional_usd,
        {{ usd_amount('coalesce(' ~ totals ~ '.public_feed_notional_usd, 0)') }} as public_feed_notional_usd,
        {{ measure_value(totals ~ '.public_feed_notional_usd / nullif(' ~ totals ~ '.liquidated_notional_usd, 0)') }}
            as public_feed_coverage_rate,
        {{ measure_value(totals ~ '.long_notional_usd / nullif(' ~ totals ~ '.liquidated_notional_usd, 0)') }}
            as long_share
{% endmacro %}
