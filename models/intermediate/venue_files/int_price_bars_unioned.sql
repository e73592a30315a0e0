-- One row per venue x symbol x bar of TRADE prices from every input: the simulator's file and
-- each venue's price-bar staging model (loaded rows only), identical columns. The simulator
-- contributes only the venues no venue file feeds. Mark / index price klines are checked and
-- kept in staging (stg_binance__price_bars, price_type) but are not trade prices, so they stay out.
-- Adding a venue's bars = one staging model + one line in venue_models below.
{%- set venue_models = [
    ref('stg_binance__price_bars'),
    ref('stg_bybit__price_bars'),
    ref('stg_okx__price_bars'),
    ref('stg_hyperliquid__price_bars'),
] %}

with

simulator as (
    select
        venue,
        symbol,
        bar_opened_at,
        open_price,
        high_price,
        low_price,
        close_price,
        volume_base,
        volume_usd,
        trade_count,
        cast(60 as {{ dbt.type_bigint() }}) as bar_interval_seconds,
        'trade' as price_type,
        'simulator' as source_format,
        cast(null as {{ dbt.type_string() }}) as source_file
    from {{ ref('stg_simulator__price_bars') }}
    where {{ simulator_venue_included('venue') }}
),

venue_files as (
    {% for model in venue_models %}
    select
        venue,
        symbol,
        bar_opened_at,
        open_price,
        high_price,
        low_price,
        close_price,
        volume_base,
        volume_usd,
        trade_count,
        bar_interval_seconds,
        price_type,
        source_format,
        source_file
    from {{ model }}
    where quarantine_reason is null
        and price_type = 'trade'
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select * from simulator
    union all
    select * from venue_files
)

select * from final
