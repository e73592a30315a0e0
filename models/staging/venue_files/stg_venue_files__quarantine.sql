-- Every rejected row of every venue-format staging model, with its reason and source file, in
-- one place (the simulator's own rejects stay in stg_simulator__*_quarantine).
{%- set staging_models = [
    ref('stg_binance__klines'),
    ref('stg_binance__forceorder_jsonl'),
    ref('stg_binance__forceorder_csv'),
    ref('stg_binance__funding_rates'),
    ref('stg_bybit__all_liquidation'),
    ref('stg_okx__liquidation_orders'),
    ref('stg_hyperliquid__fills'),
    ref('stg_hyperliquid__historical_liquidations'),
    ref('stg_bybit__kline'),
    ref('stg_okx__candles'),
    ref('stg_hyperliquid__candles'),
] %}

with

rejected as (
    {% for model in staging_models %}
    select
        venue,
        source_format,
        source_file,
        raw_record,
        quarantine_reason
    from {{ model }}
    where quarantine_reason is not null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select * from rejected
)

select * from final
