-- How well "the trade path crossed the computed liquidation price" predicts "the venue
-- liquidated the position", per venue: confusion counts, precision and recall, by positions and
-- weighted by entry notional.
with

outcomes as (
    {{ select_money_as_double(ref('fct_position_outcomes')) }}
),

counted as (
    select
        venue,
        count(*) as position_count,
        cast(sum(case when outcome_class = 'true_positive' then 1 else 0 end) as {{ dbt.type_bigint() }}) as true_positive_count,
        cast(sum(case when outcome_class = 'false_positive' then 1 else 0 end) as {{ dbt.type_bigint() }}) as false_positive_count,
        cast(sum(case when outcome_class = 'false_negative' then 1 else 0 end) as {{ dbt.type_bigint() }}) as false_negative_count,
        cast(sum(case when outcome_class = 'true_negative' then 1 else 0 end) as {{ dbt.type_bigint() }}) as true_negative_count,
        sum(notional_usd) as notional_usd,
        sum(case when outcome_class = 'true_positive' then notional_usd else 0 end) as true_positive_notional_usd,
        sum(case when outcome_class = 'false_positive' then notional_usd else 0 end) as false_positive_notional_usd,
        sum(case when outcome_class = 'false_negative' then notional_usd else 0 end) as false_negative_notional_usd,
        sum(case when outcome_class = 'true_negative' then notional_usd else 0 end) as true_negative_notional_usd
    from outcomes
    group by 1
),

final as (
    select
        counted.*,
        cast(true_positive_count as {{ type_double() }})
            / nullif(true_positive_count + false_positive_count, 0) as precision_rate,
        cast(true_positive_count as {{ type_double() }})
            / nullif(true_positive_count + false_negative_count, 0) as recall_rate,
        true_positive_notional_usd
            / nullif(true_positive_notional_usd + false_positive_notional_usd, 0) as notional_precision_rate,
        true_positive_notional_usd
            / nullif(true_positive_notional_usd + false_negative_notional_usd, 0) as notional_recall_rate
    from counted
)

-- typed: one type per kind of column (macros/types.sql, README "Types")
select
    venue,
    {{ count_value('position_count') }} as position_count,
    {{ count_value('true_positive_count') }} as true_positive_count,
    {{ count_value('false_positive_count') }} as false_positive_count,
    {{ count_value('false_negative_count') }} as false_negative_count,
    {{ count_value('true_negative_count') }} as true_negative_count,
    {{ usd_amount('notional_usd') }} as notional_usd,
    {{ usd_amount('true_positive_notional_usd') }} as true_positive_notional_usd,
    {{ usd_amount('false_positive_notional_usd') }} as false_positive_notional_usd,
    {{ usd_amount('false_negative_notional_usd') }} as false_negative_notional_usd,
    {{ usd_amount('true_negative_notional_usd') }} as true_negative_notional_usd,
    {{ measure_value('precision_rate') }} as precision_rate,
    {{ measure_value('recall_rate') }} as recall_rate,
    {{ measure_value('notional_precision_rate') }} as notional_precision_rate,
    {{ measure_value('notional_recall_rate') }} as notional_recall_rate
from final
