-- Every forced fill lands in a price bar of its venue, symbol and minute: the per-minute chart
-- series (fct_market_minutes) carries the same notional and count as fct_liquidations. A fill
-- whose minute has no bar would be missing from the chart; this test returns the difference.
with

from_minutes as (
    select
        sum(liquidation_count) as liquidation_count,
        sum(liquidated_notional_usd) as notional_usd
    from {{ ref('fct_market_minutes') }}
),

from_fills as (
    select
        count(*) as liquidation_count,
        coalesce(sum(notional_usd), 0) as notional_usd
    from {{ ref('fct_liquidations') }}
)

select
    from_minutes.liquidation_count as minute_liquidation_count,
    from_fills.liquidation_count as fill_liquidation_count,
    from_minutes.notional_usd as minute_notional_usd,
    from_fills.notional_usd as fill_notional_usd
from from_minutes
cross join from_fills
where from_minutes.liquidation_count <> from_fills.liquidation_count
    or abs(from_minutes.notional_usd - from_fills.notional_usd) > 1e-6 * greatest(from_fills.notional_usd, 1)
