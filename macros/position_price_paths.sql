{#- The observed trade path after each position of `positions_relation` (the columns of
    int_positions_with_liquidation_prices) opened, over `price_bars_relation` (the clean price
    bars): a query with one row per position with the path's extreme against the position,
    whether it crossed the position's liquidation price and the first minute it did. The view
    int_position_price_paths is this on every position. A position's row depends only on its own
    columns and the bars (which paths' records are computed depends on the positions, but a
    path's records do not), so fct_position_outcomes' incremental runs call it on the positions
    they recompute only: the same rows for those positions, without computing every other path.

    No per-position scan of the bars:
    * the path's extreme is the running extreme of each venue x symbol series (lowest low / highest
      high from each bar to the end of the window), computed once over the bars and looked up once
      per position on its opening minute;
    * the first crossing: positions share few opening minutes (the noon book and the cohorts'
      minutes), so the path from each distinct venue x symbol x opening minute is reduced once to
      its records (bars that set a new low / high since the opening minute). Records only get
      lower (lows) or higher (highs) with time, so the first record at or beyond a liquidation
      price is the one with the price nearest it on that side: an as-of join of the crossed
      positions with the records on DuckDB, a sweep elsewhere (macro first_crossings). The join it
      replaces paired every crossed position with every record of its path (~100M rows at scale
      1) before keeping one.

    Each path start is one bar, numbered (bar_key), so the crossed positions and the records
    carry one integer for it instead of venue x symbol x minute; the crossed positions are read
    narrow (the columns the crossing needs) and every position's wide row once, in `final`. At
    scale 10 (33.6M positions) this view took 19.9 s (count of rows, 1 GB, 2 threads) where the
    string-keyed sweep over a materialised wide CTE took 61.4 s. -#}
{% macro position_price_paths(positions_relation, price_bars_relation) -%}
{#- The opening minute a position (alias `positions` below) is watched from: a position opened
    before the window is watched from the window's first bar. -#}
{%- set opening_minute -%}
    case
        when positions.opened_at < cast('{{ var("event_window_start") }}' as {{ dbt.type_timestamp() }})
            then cast('{{ var("event_window_start") }}' as {{ dbt.type_timestamp() }})
        else {{ dbt.date_trunc('minute', 'positions.opened_at') }}
    end
{%- endset -%}
with

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

-- lowest low / highest high from this bar to the end of the window, per venue x symbol; each bar
-- numbered (bar_key), the key of the path that starts at it
bars_with_path_extremes as (
    select
        venue,
        symbol,
        bar_opened_at,
        row_number() over (order by venue, symbol, bar_opened_at) as bar_key,
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

-- The positions whose path crossed their liquidation price, narrow: the position, the key of
-- its path's first bar, its side and its sweep price (below). Read from the positions relation
-- on its own (not from the wide rows of `final`): a CTE read more than once is materialised, and
-- every column of every position, spilled at scale 10, cost more than reading the relation twice.
crossed_positions as (
    select
        positions.position_id,
        bars_with_path_extremes.bar_key as start_bar_key,
        positions.is_long,
        case when positions.is_long then positions.liquidation_price
            else -positions.liquidation_price end as sweep_price
    from {{ positions_relation }} as positions
    inner join bars_with_path_extremes
        on positions.venue = bars_with_path_extremes.venue
        and positions.symbol = bars_with_path_extremes.symbol
        and {{ opening_minute }} = bars_with_path_extremes.bar_opened_at
    where case
            when positions.is_long
                then bars_with_path_extremes.path_low_price <= positions.liquidation_price
            else bars_with_path_extremes.path_high_price >= positions.liquidation_price
        end
),

crossing_starts as (
    select
        bars_with_path_extremes.bar_key as start_bar_key,
        bars_with_path_extremes.venue,
        bars_with_path_extremes.symbol,
        bars_with_path_extremes.bar_opened_at as opening_minute_at
    from bars_with_path_extremes
    where bars_with_path_extremes.bar_key in (select start_bar_key from crossed_positions)
),

paths_from_start as (
    select
        crossing_starts.start_bar_key,
        window_bars.bar_opened_at,
        window_bars.low_price,
        window_bars.high_price,
        min(window_bars.low_price) over (
            partition by crossing_starts.start_bar_key
            order by window_bars.bar_opened_at
            rows between unbounded preceding and 1 preceding
        ) as earlier_low_price,
        max(window_bars.high_price) over (
            partition by crossing_starts.start_bar_key
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
        start_bar_key,
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

-- The records as (path start, side, sweep price, minute), on a sweep price on which "at or
-- beyond" is "at or below": the price for longs (a record low <= the liquidation price), the
-- negated price for shorts (a record high >= it; negation is exact). Along one start x side the
-- records' sweep prices strictly fall with time, so a position's first crossing is the record
-- with the highest sweep price at or below its own (macro first_crossings).
record_sweep as (
    select
        start_bar_key,
        true as is_long,
        record_low_price as sweep_price,
        bar_opened_at as record_bar_opened_at
    from record_bars
    where record_low_price is not null
    union all
    select
        start_bar_key,
        false as is_long,
        -record_high_price as sweep_price,
        bar_opened_at as record_bar_opened_at
    from record_bars
    where record_high_price is not null
),

first_crossings as (
    {{ first_crossings('crossed_positions', 'record_sweep') }}
),

-- every position, wide, read once: its path's extreme and whether it crossed, looked up on its
-- opening minute, and its first crossing
final as (
    select
        positions.position_id,
        positions.venue,
        positions.symbol,
        positions.side,
        positions.is_long,
        positions.margin_mode,
        positions.leverage,
        positions.entry_price,
        positions.notional_usd,
        positions.opened_at,
        {{ opening_minute }} as opening_minute_at,
        positions.liquidation_price,
        positions.bankruptcy_price,
        case
            when positions.is_long then bars_with_path_extremes.path_low_price
            else bars_with_path_extremes.path_high_price
        end as path_extreme_price,
        coalesce(
            case
                when positions.is_long
                    then bars_with_path_extremes.path_low_price <= positions.liquidation_price
                else bars_with_path_extremes.path_high_price >= positions.liquidation_price
            end,
            false
        ) as has_crossed_liquidation_price,
        first_crossings.first_crossed_minute_at
    from {{ positions_relation }} as positions
    left join bars_with_path_extremes
        on positions.venue = bars_with_path_extremes.venue
        and positions.symbol = bars_with_path_extremes.symbol
        and {{ opening_minute }} = bars_with_path_extremes.bar_opened_at
    left join first_crossings
        on positions.position_id = first_crossings.position_id
)

select * from final
{%- endmacro %}

{#- Each crossed position's first crossing minute: `crossed` (position_id, start_bar_key,
    is_long, sweep_price) against `records` (start_bar_key, is_long, sweep_price,
    record_bar_opened_at), one row per crossed position (position_id, first_crossed_minute_at).
    Along one start x side the records' sweep prices strictly fall with time, so the first record
    at or beyond a position is the one with the highest sweep price at or below the position's. -#}
{% macro first_crossings(crossed, records) -%}
    {{ return(adapter.dispatch('first_crossings', 'house_edge')(crossed, records)) }}
{%- endmacro %}

{#- Portable: one sweep per start x side over the records and the crossed positions in sweep
    price order (at an equal price a record comes first: reaching the price exactly crosses it),
    with a running minimum of the records' minutes. -#}
{% macro default__first_crossings(crossed, records) -%}
    select
        position_id,
        first_crossed_minute_at
    from (
        select
            position_id,
            min(record_bar_opened_at) over (
                partition by start_bar_key, is_long
                order by sweep_price, sweep_rank
                rows between unbounded preceding and current row
            ) as first_crossed_minute_at
        from (
            select
                start_bar_key,
                is_long,
                sweep_price,
                1 as sweep_rank,
                position_id,
                cast(null as {{ dbt.type_timestamp() }}) as record_bar_opened_at
            from {{ crossed }}
            union all
            select
                start_bar_key,
                is_long,
                sweep_price,
                0 as sweep_rank,
                cast(null as {{ dbt.type_bigint() }}) as position_id,
                record_bar_opened_at
            from {{ records }}
        ) as crossing_sweep
    ) as swept
    where position_id is not null
{%- endmacro %}

{#- DuckDB-only: an as-of join finds that record directly (`>=`: a record at the position's
    exact price crosses it). At scale 1 0.3x the CPU of the sweep's window (which sorted every
    crossed position with the records); at scale 10 the window spilled (47 s of operator time
    for 19M crossed positions, against 11 s). -#}
{% macro duckdb__first_crossings(crossed, records) -%}
    select
        {{ crossed }}.position_id,
        {{ records }}.record_bar_opened_at as first_crossed_minute_at
    from {{ crossed }}
    asof inner join {{ records }}
        on {{ crossed }}.start_bar_key = {{ records }}.start_bar_key
        and {{ crossed }}.is_long = {{ records }}.is_long
        and {{ crossed }}.sweep_price >= {{ records }}.sweep_price
{%- endmacro %}
