{#- The observed trade path after each position of `positions_relation` (the columns of
    int_positions_with_liquidation_prices) opened, over `price_bars_relation` (the clean price
    bars): a query with one row per position with the path's extreme against the position,
    whether it crossed the position's liquidation price and the first minute it did. The view
    int_position_price_paths is this on every position. A position's row depends only on its own
    columns and the bars (the sweep below adds only records' minutes to a running minimum; other
    positions add nulls), so fct_position_outcomes' incremental runs call it on the positions
    they recompute only: the same rows for those positions, without computing every other path.

    No per-position scan of the bars:
    * the path's extreme is the running extreme of each venue x symbol series (lowest low / highest
      high from each bar to the end of the window), computed once over the bars and looked up once
      per position on its opening minute;
    * the first crossing: positions share few opening minutes (the noon book and the cohorts'
      minutes), so the path from each distinct venue x symbol x opening minute is reduced once to
      its records (bars that set a new low / high since the opening minute). Records only get
      lower (lows) or higher (highs) with time, so the first record at or beyond a liquidation
      price is the earliest record among those at or beyond it: one sort of the records and the
      crossed positions by price, per series x opening minute x side, with a running minimum of the
      records' minutes (first_crossings). The join it replaces paired every crossed position with
      every record of its path (~100M rows at scale 1) before keeping one. -#}
{% macro position_price_paths(positions_relation, price_bars_relation) -%}
with

positions as (
    select * from {{ positions_relation }}
),

price_bars as (
    select * from {{ price_bars_relation }}
),

window_bars as (
    select
        venue,
        symbol,
        bar_opened_at,
        low_price,
        high_price
    from price_bars
    where bar_opened_at >= cast('{{ var("event_window_start") }}' as {{ dbt.type_timestamp() }})
        and bar_opened_at < cast('{{ var("event_window_end") }}' as {{ dbt.type_timestamp() }})
),

-- lowest low / highest high from this bar to the end of the window, per venue x symbol
bars_with_path_extremes as (
    select
        venue,
        symbol,
        bar_opened_at,
        min(low_price) over (
            partition by venue, symbol
            order by bar_opened_at
            rows between current row and unbounded following
        ) as path_low_price,
        max(high_price) over (
            partition by venue, symbol
            order by bar_opened_at
            rows between current row and unbounded following
        ) as path_high_price
    from window_bars
),

positions_with_opening_minute as (
    select
        positions.*,
        -- a position opened before the window is watched from the window's first bar
        case
            when positions.opened_at < cast('{{ var("event_window_start") }}' as {{ dbt.type_timestamp() }})
                then cast('{{ var("event_window_start") }}' as {{ dbt.type_timestamp() }})
            else {{ dbt.date_trunc('minute', 'positions.opened_at') }}
        end as opening_minute_at
    from positions
),

positions_with_path as (
    select
        positions_with_opening_minute.*,
        case
            when positions_with_opening_minute.is_long then bars_with_path_extremes.path_low_price
            else bars_with_path_extremes.path_high_price
        end as path_extreme_price,
        coalesce(
            case
                when positions_with_opening_minute.is_long
                    then bars_with_path_extremes.path_low_price <= positions_with_opening_minute.liquidation_price
                else bars_with_path_extremes.path_high_price >= positions_with_opening_minute.liquidation_price
            end,
            false
        ) as has_crossed_liquidation_price
    from positions_with_opening_minute
    left join bars_with_path_extremes
        on positions_with_opening_minute.venue = bars_with_path_extremes.venue
        and positions_with_opening_minute.symbol = bars_with_path_extremes.symbol
        and positions_with_opening_minute.opening_minute_at = bars_with_path_extremes.bar_opened_at
),

crossing_starts as (
    select distinct
        venue,
        symbol,
        opening_minute_at
    from positions_with_path
    where has_crossed_liquidation_price
),

paths_from_start as (
    select
        crossing_starts.venue,
        crossing_starts.symbol,
        crossing_starts.opening_minute_at,
        window_bars.bar_opened_at,
        window_bars.low_price,
        window_bars.high_price,
        min(window_bars.low_price) over (
            partition by crossing_starts.venue, crossing_starts.symbol, crossing_starts.opening_minute_at
            order by window_bars.bar_opened_at
            rows between unbounded preceding and 1 preceding
        ) as earlier_low_price,
        max(window_bars.high_price) over (
            partition by crossing_starts.venue, crossing_starts.symbol, crossing_starts.opening_minute_at
            order by window_bars.bar_opened_at
            rows between unbounded preceding and 1 preceding
        ) as earlier_high_price
    from crossing_starts
    inner join window_bars
        on crossing_starts.venue = window_bars.venue
        and crossing_starts.symbol = window_bars.symbol
        and window_bars.bar_opened_at >= crossing_starts.opening_minute_at
),

record_bars as (
    select
        venue,
        symbol,
        opening_minute_at,
        bar_opened_at,
        case
            when earlier_low_price is null or low_price < earlier_low_price then low_price
        end as record_low_price,
        case
            when earlier_high_price is null or high_price > earlier_high_price then high_price
        end as record_high_price
    from paths_from_start
    where earlier_low_price is null
        or low_price < earlier_low_price
        or high_price > earlier_high_price
),

-- One sweep per venue x symbol x opening minute x side over the records and the crossed
-- positions, ordered by a sweep price on which "at or beyond" is "at or below": the price for
-- longs (a record low <= the liquidation price), the negated price for shorts (a record high >=
-- it; negation is exact). At an equal price a record comes first (reaching the price exactly
-- crosses it). A position's first crossing is the earliest record minute before it in this order.
crossing_sweep as (
    select
        venue,
        symbol,
        opening_minute_at,
        is_long,
        case when is_long then liquidation_price else -liquidation_price end as sweep_price,
        1 as sweep_rank,
        position_id,
        cast(null as {{ dbt.type_timestamp() }}) as record_bar_opened_at
    from positions_with_path
    where has_crossed_liquidation_price
    union all
    select
        venue,
        symbol,
        opening_minute_at,
        true as is_long,
        record_low_price as sweep_price,
        0 as sweep_rank,
        cast(null as {{ dbt.type_bigint() }}) as position_id,
        bar_opened_at as record_bar_opened_at
    from record_bars
    where record_low_price is not null
    union all
    select
        venue,
        symbol,
        opening_minute_at,
        false as is_long,
        -record_high_price as sweep_price,
        0 as sweep_rank,
        cast(null as {{ dbt.type_bigint() }}) as position_id,
        bar_opened_at as record_bar_opened_at
    from record_bars
    where record_high_price is not null
),

first_crossings as (
    select
        position_id,
        first_crossed_minute_at
    from (
        select
            position_id,
            min(record_bar_opened_at) over (
                partition by venue, symbol, opening_minute_at, is_long
                order by sweep_price, sweep_rank
                rows between unbounded preceding and current row
            ) as first_crossed_minute_at
        from crossing_sweep
    ) as swept
    where position_id is not null
),

final as (
    select
        positions_with_path.position_id,
        positions_with_path.venue,
        positions_with_path.symbol,
        positions_with_path.side,
        positions_with_path.is_long,
        positions_with_path.margin_mode,
        positions_with_path.leverage,
        positions_with_path.entry_price,
        positions_with_path.notional_usd,
        positions_with_path.opened_at,
        positions_with_path.opening_minute_at,
        positions_with_path.liquidation_price,
        positions_with_path.bankruptcy_price,
        positions_with_path.path_extreme_price,
        positions_with_path.has_crossed_liquidation_price,
        first_crossings.first_crossed_minute_at
    from positions_with_path
    left join first_crossings
        on positions_with_path.position_id = first_crossings.position_id
)

select * from final
{%- endmacro %}
