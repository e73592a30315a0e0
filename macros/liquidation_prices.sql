{#-
    Liquidation and bankruptcy prices of a linear (USDT-margined) contract under isolated margin
    (DESIGN.md). Q quantity, E entry price, L leverage, m maintenance margin rate,
    M = Q*E/L the initial margin, c the maintenance amount (the tier's deduction, USD):
      liquidation price, long  (Q*E - M - c) / (Q*(1 - m))
                         short (Q*E + M + c) / (Q*(1 + m))
      bankruptcy price,  long  E*(1 - 1/L)
                         short E*(1 + 1/L)
    Every argument is a SQL expression; `side` must evaluate to 'long' or 'short' (anything else
    gives null). Plain arithmetic and CASE only, so the SQL is portable across adapters.
-#}
{% macro liquidation_price(side, entry_price, quantity, leverage, mmr, maintenance_amount) -%}
    case {{ side }}
        when 'long' then
            ({{ quantity }} * {{ entry_price }} - {{ quantity }} * {{ entry_price }} / {{ leverage }} - {{ maintenance_amount }})
            / ({{ quantity }} * (1 - {{ mmr }}))
        when 'short' then
            ({{ quantity }} * {{ entry_price }} + {{ quantity }} * {{ entry_price }} / {{ leverage }} + {{ maintenance_amount }})
            / ({{ quantity }} * (1 + {{ mmr }}))
    end
{%- endmacro %}

{% macro bankruptcy_price(side, entry_price, leverage) -%}
    case {{ side }}
        when 'long' then {{ entry_price }} * (1 - 1 / {{ leverage }})
        when 'short' then {{ entry_price }} * (1 + 1 / {{ leverage }})
    end
{%- endmacro %}
