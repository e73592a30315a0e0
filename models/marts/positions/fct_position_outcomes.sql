{{ config(
    materialized=incremental_materialization(),
    incremental_strategy=incremental_strategy('delete+insert'),
    unique_key='position_id',
    on_schema_change='fail',
    post_hook="{{ incremental_prune_missing_keys(ref('int_positions_with_liquidation_prices'), 'position_id') }}"
) }}
-- depends_on: {{ ref('stg_simulator__positions') }}
-- depends_on: {{ ref('int_position_price_paths') }}
-- One row per position: did the observed trade path after it opened cross its computed
-- liquidation price (the prediction), and was it liquidated (the outcome)?
-- The path prediction (the path's extreme, whether and when it first crossed the liquidation
-- price) comes from int_position_price_paths; this model adds the forced fills and the outcome class.
-- Incremental (macros/incremental): a run recomputes only the positions whose inputs changed:
-- new or re-read positions (loaded since this table's last load), positions whose venue x symbol
-- price path changed (a fingerprint of its bars, `price_path_version`, differs from the one
-- stored), and positions whose forced fills changed (a fill loaded since, or the count differs:
-- a fill removed). Positions that left staging are pruned. Any other change (a var, the macros)
-- needs --full-refresh.
{#- What changed since this table's last load (M = its newest loaded_at), counted first so the
    query below includes only the parts that are not empty:
    * positions loaded since M; venue x symbol price paths whose fingerprint changed; fills
      loaded since M;
    * fills removed or re-read: the stored fill counts add up to the fills loaded up to M; when
      the fills still present from then add up to the same, none was removed or re-read, and the
      per-position count comparison is skipped (a fill whose position is missing keeps it on:
      slower, still right). -#}
{%- set changed = {'positions': true, 'price_paths': true, 'fills': true, 'fills_removed_or_reread': true} %}
{%- if is_incremental() and execute %}
{%- set changed_sql %}
    with
    last_load as (select max(loaded_at) as loaded_at from {{ this }}),
    stored_paths as (select distinct venue, symbol, coalesce(price_path_version, '') as v from {{ this }}),
    current_paths as (
        select venue, symbol, coalesce(price_path_version, '') as v
        from ({{ price_path_versions(ref('stg_simulator__price_bars')) }}) as versions
    )
    select
        (select count(*) from {{ ref('stg_simulator__positions') }}
         where loaded_at > (select loaded_at from last_load)) > 0,
        (select count(*) from (
            (select * from current_paths except select * from stored_paths)
            union all
            (select * from stored_paths except select * from current_paths)) as d) > 0,
        (select count(*) from {{ ref('stg_simulator__liquidations') }}
         where loaded_at > (select loaded_at from last_load)) > 0,
        (select coalesce(sum(liquidation_count), 0) from {{ this }})
            <> (select count(*) from {{ ref('stg_simulator__liquidations') }}
                where loaded_at <= (select loaded_at from last_load))
{%- endset %}
{%- set row = run_query(changed_sql).rows[0] %}
{%- set changed = {'positions': row[0], 'price_paths': row[1], 'fills': row[2], 'fills_removed_or_reread': row[3]} %}
{%- endif %}
with

positions as (
    select * from {{ ref('int_positions_with_liquidation_prices') }}
),

liquidations as (
    select * from {{ ref('stg_simulator__liquidations') }}
),

price_bars as (
    select * from {{ ref('stg_simulator__price_bars') }}
),

-- one fingerprint per venue x symbol of the bars every path is read from
price_path_versions as (
    {{ price_path_versions('price_bars') }}
),

{%- if is_incremental() %}

-- the venue x symbol series whose bars changed since this table stored their fingerprint
changed_price_paths as (
    (
        select venue, symbol, coalesce(price_path_version, '') as price_path_version
        from price_path_versions
        except
        select distinct venue, symbol, coalesce(price_path_version, '') as price_path_version
        from {{ this }}
    )
    union
    (
        select distinct venue, symbol, coalesce(price_path_version, '') as price_path_version
        from {{ this }}
        except
        select venue, symbol, coalesce(price_path_version, '') as price_path_version
        from price_path_versions
    )
),

-- positions whose forced-fill count differs from the stored one: fills removed (or re-read).
-- Compared per position only when the totals say so (see `changed` above).
{%- if changed['fills_removed_or_reread'] %}
changed_fill_counts as (
    select coalesce(current_counts.position_id, stored_counts.position_id) as position_id
    from (
        select position_id, count(*) as liquidation_count from liquidations group by 1
    ) as current_counts
    full outer join (
        select position_id, liquidation_count from {{ this }} where liquidation_count > 0
    ) as stored_counts
        on current_counts.position_id = stored_counts.position_id
    where coalesce(current_counts.liquidation_count, 0) <> coalesce(stored_counts.liquidation_count, 0)
),
{%- endif %}

-- a union of small sets (only those not empty), never a join of every position with every
-- stored outcome
positions_to_recompute as (
    select position_id from positions where 1 = 0
    {%- if changed['positions'] %}
    union
    select position_id from positions
    where loaded_at > (select max(loaded_at) from {{ this }})
    {%- endif %}
    {%- if changed['price_paths'] %}
    union
    select positions.position_id
    from positions
    inner join changed_price_paths
        on positions.venue = changed_price_paths.venue
        and positions.symbol = changed_price_paths.symbol
    {%- endif %}
    {%- if changed['fills'] %}
    union
    select position_id from liquidations
    where loaded_at > (select max(loaded_at) from {{ this }})
    {%- endif %}
    {%- if changed['fills_removed_or_reread'] %}
    union
    select position_id from changed_fill_counts
    {%- endif %}
),
{%- endif %}

-- the fills of the positions this run computes (all of them on a full build)
fills_to_compute as (
    select * from liquidations
    {%- if is_incremental() %}
    where position_id in (select position_id from positions_to_recompute)
    {%- endif %}
),

-- A floating-point sum depends on its order, so a position's fills are summed exactly
-- (macros/exact_sum.sql: each notional to 1e-12 USD, decimals added without rounding): the same
-- bits whichever run summed them, in one spillable aggregate (the fixed-order sum it replaces
-- buffered and sorted every group).
first_liquidations as (
    select
        position_id,
        min(liquidated_at) as first_liquidated_at,
        count(*) as liquidation_count,
        {{ exact_sum('notional_usd', 12) }} as liquidated_notional_usd
    from fills_to_compute
    group by 1
),

-- the path prediction (running extremes, first crossing): int_position_price_paths. An
-- incremental run computes the paths of the positions it recomputes only (the same macro as the
-- view, macros/position_price_paths.sql; a filter on the view would compute every path first).
{%- if is_incremental() %}
recomputed_positions as (
    select * from positions
    where position_id in (select position_id from positions_to_recompute)
),

positions_with_path as (
    select * from (
        {{ position_price_paths('recomputed_positions', ref('stg_simulator__price_bars')) }}
    ) as recomputed_paths
),
{%- else %}
positions_with_path as (
    select * from {{ ref('int_position_price_paths') }}
),
{%- endif %}

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
        positions_with_path.first_crossed_minute_at,
        first_liquidations.position_id is not null as is_liquidated,
        first_liquidations.first_liquidated_at,
        coalesce(first_liquidations.liquidation_count, 0) as liquidation_count,
        coalesce(first_liquidations.liquidated_notional_usd, 0) as liquidated_notional_usd,
        case
            when positions_with_path.has_crossed_liquidation_price and first_liquidations.position_id is not null
                then 'true_positive'
            when positions_with_path.has_crossed_liquidation_price
                then 'false_positive'
            when first_liquidations.position_id is not null
                then 'false_negative'
            else 'true_negative'
        end as outcome_class,
        price_path_versions.price_path_version,
        {{ incremental_loaded_at() }} as loaded_at
    from positions_with_path
    left join first_liquidations
        on positions_with_path.position_id = first_liquidations.position_id
    left join price_path_versions
        on positions_with_path.venue = price_path_versions.venue
        and positions_with_path.symbol = price_path_versions.symbol
)

-- typed: one type per kind of column (macros/types.sql, README "Types")
select
    {{ count_value('position_id') }} as position_id,
    venue,
    symbol,
    side,
    is_long,
    margin_mode,
    {{ measure_value('leverage') }} as leverage,
    {{ measure_value('entry_price') }} as entry_price,
    {{ usd_amount('notional_usd') }} as notional_usd,
    {{ utc_timestamp('opened_at') }} as opened_at,
    {{ utc_timestamp('opening_minute_at') }} as opening_minute_at,
    {{ measure_value('liquidation_price') }} as liquidation_price,
    {{ measure_value('bankruptcy_price') }} as bankruptcy_price,
    {{ measure_value('path_extreme_price') }} as path_extreme_price,
    has_crossed_liquidation_price,
    {{ utc_timestamp('first_crossed_minute_at') }} as first_crossed_minute_at,
    is_liquidated,
    {{ utc_timestamp('first_liquidated_at') }} as first_liquidated_at,
    {{ count_value('liquidation_count') }} as liquidation_count,
    {{ usd_amount('liquidated_notional_usd') }} as liquidated_notional_usd,
    outcome_class,
    price_path_version,
    {{ utc_timestamp('loaded_at') }} as loaded_at
from final
