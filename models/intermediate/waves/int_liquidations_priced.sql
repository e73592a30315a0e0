-- One row per forced fill with the OHLC of its venue x symbol minute bar: the latest bar opened at
-- or before the fill (an as-of join, so a missing bar falls back to the previous one rather than
-- dropping the fill; fills before the first bar get null prices).
-- DuckDB's ASOF JOIN is isolated in the asof_left_join macro; other engines get a portable join.
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy=incremental_strategy('delete+insert'),
    unique_key='liquidation_id',
    on_schema_change='fail',
    post_hook="{{ incremental_prune_missing_keys(ref('fct_liquidations'), 'liquidation_id') }}"
) }}
-- Incremental (macros/incremental): recomputes the fills fct_liquidations (re)wrote since this
-- table's last load and those within the lookback of its watermark (a late price bar within
-- the lookback re-prices them); drops fills that left fct_liquidations.
with

liquidations as (
    {{ select_money_as_double(ref('fct_liquidations'), 'fct') }}
    where {{ incremental_rows_to_recompute('fct', 'liquidated_at') }}
),

price_bars as (
    select * from {{ ref('int_price_bars_unioned') }}
),

priced as (
    {{ asof_left_join(
        left_relation='liquidations',
        right_relation='price_bars',
        left_key='liquidation_id',
        by_columns=['venue', 'symbol'],
        left_time='liquidated_at',
        right_time='bar_opened_at',
        right_columns=['bar_opened_at', 'open_price', 'high_price', 'low_price', 'close_price']
    ) }}
),

final as (
    select
        liquidation_id,
        venue,
        symbol,
        side,
        is_long,
        price,
        notional_usd,
        liquidated_at,
        bar_opened_at,
        open_price as bar_open_price,
        high_price as bar_high_price,
        low_price as bar_low_price,
        close_price as bar_close_price,
        {{ incremental_loaded_at() }} as loaded_at
    from priced
)

select * from final
