-- Precision and recall (by count and by notional) are fractions: each must lie in [0, 1] when
-- defined. Returns the venues where one does not.
with

scores as (
    select * from {{ ref('fct_liquidation_prediction_scores') }}
),

broken as (
    select *
    from scores
    where precision_rate < 0 or precision_rate > 1
        or recall_rate < 0 or recall_rate > 1
        or notional_precision_rate < 0 or notional_precision_rate > 1
        or notional_recall_rate < 0 or notional_recall_rate > 1
)

select * from broken
