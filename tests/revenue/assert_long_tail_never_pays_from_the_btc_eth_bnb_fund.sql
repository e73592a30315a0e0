-- Fails with each forced fill of a symbol outside Binance's BTC/ETH/BNB fund (the long-tail
-- bucket ALTS above all, simulator switch long_tail, whose Binance wick fills at prices down to
-- 0.001) that the ledger charged to that fund: such fills belong to the venue's default pool
-- (insurance_fund_pools '*' row, on Binance the other USD-M contracts' funds). The bucket moves
-- the published pool only through the calibration, never through its own fills.
select
    liquidation_id,
    scenario,
    venue,
    symbol,
    insurance_pool_id
from {{ ref('int_liquidation_fills_revenue') }}
where insurance_pool_id = 'binance_usdm_btc_eth_bnb'
    and symbol not in ('BTC', 'ETH', 'BNB')
