-- Fails with each venue x symbol whose fills get no liquidation mechanism (seed
-- venue_liquidation_mechanisms) or no insurance fund or backstop vault (seed insurance_fund_pools:
-- the symbol's own pool, else the venue's '*' pool) in int_liquidation_fills_revenue: its ledgers
-- would drop or misfile that market's money. The view looks both up per venue x symbol (they were
-- columns of int_liquidation_fill_terms, tested not null there, until issue 17); filtered on them,
-- DuckDB evaluates the lookups on the few market rows and reads only the fills' venue and symbol.
select
    venue,
    symbol,
    mechanism,
    insurance_pool_id,
    count(*) as n_fill_scenarios
from {{ ref('int_liquidation_fills_revenue') }}
where mechanism is null or insurance_pool_id is null
group by venue, symbol, mechanism, insurance_pool_id
