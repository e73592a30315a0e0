-- The answer for Binance as a range: its relief (economic cost and face value, summed over its
-- program components) divided by its cascade revenue, per basis and scope, low / central / high.
-- Two relief totals: the exchange-funded programs only (vouchers, loans, depeg compensation) and
-- the same plus BNB Chain's affiliate-funded airdrop (the "728M" cumulative figure's scope).
-- Compile with `dbt compile --select binance_relief_to_revenue` and run the SQL in DuckDB.
with

relief_to_revenue as (
    select * from {{ ref('fct_relief_to_revenue') }}
    where venue = 'binance'
),

totals as (
    select
        basis,
        scope,
        scenario,
        case when is_exchange_funded then 'exchange_funded' else 'affiliate_funded' end as funding,
        sum(face_value_usd) as face_value_usd,
        sum(economic_cost_usd) as economic_cost_usd,
        -- one revenue per basis x scope x scenario, repeated on every program row
        max(revenue_usd) as revenue_usd
    from relief_to_revenue
    group by 1, 2, 3, 4
),

with_affiliates as (
    select basis, scope, scenario, 'exchange_funded' as relief_scope,
        face_value_usd, economic_cost_usd, revenue_usd
    from totals
    where funding = 'exchange_funded'
    union all
    select basis, scope, scenario, 'including_bnb_chain_airdrop' as relief_scope,
        sum(face_value_usd), sum(economic_cost_usd), max(revenue_usd)
    from totals
    group by 1, 2, 3
),

final as (
    select
        basis,
        scope,
        relief_scope,
        max(case when scenario = 'low' then economic_cost_usd end) / 1e6 as economic_cost_low_musd,
        max(case when scenario = 'high' then economic_cost_usd end) / 1e6 as economic_cost_high_musd,
        max(case when scenario = 'low' then revenue_usd end) / 1e6 as revenue_high_musd,
        max(case when scenario = 'central' then revenue_usd end) / 1e6 as revenue_central_musd,
        max(case when scenario = 'high' then revenue_usd end) / 1e6 as revenue_low_musd,
        max(case when scenario = 'low' then economic_cost_usd / nullif(revenue_usd, 0) end) as ratio_low,
        max(case when scenario = 'central' then economic_cost_usd / nullif(revenue_usd, 0) end) as ratio_central,
        max(case when scenario = 'high' then economic_cost_usd / nullif(revenue_usd, 0) end) as ratio_high,
        max(case when scenario = 'central' then face_value_usd / nullif(revenue_usd, 0) end) as face_value_ratio_central
    from with_affiliates
    group by 1, 2, 3
)

select * from final
order by basis, relief_scope, case scope when 'narrow' then 1 when 'medium' then 2 else 3 end
