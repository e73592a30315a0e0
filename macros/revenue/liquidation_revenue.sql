{#-
    Per-fill liquidation economics (DESIGN.md "fee revenue"). Every argument is a SQL expression;
    `is_long` a boolean, prices in USD, quantity in base units of the fill (the liquidated amount).
      margin_left_usd      margin still in the position at the fill price, floored at 0:
                           long Q*(P - B), short Q*(B - P)
      bankruptcy_payout_usd  what the insurance fund / backstop pays when the fill lands beyond the
                           bankruptcy price, as a NEGATIVE number (0 otherwise):
                           long -Q*(B - P), short -Q*(P - B)
    Plain arithmetic, CASE and greatest/least only.
-#}
{% macro margin_left_usd(is_long, quantity, fill_price, bankruptcy_price) -%}
    greatest(
        case when {{ is_long }}
            then {{ quantity }} * ({{ fill_price }} - {{ bankruptcy_price }})
            else {{ quantity }} * ({{ bankruptcy_price }} - {{ fill_price }})
        end,
        0
    )
{%- endmacro %}

{% macro bankruptcy_payout_usd(is_long, quantity, fill_price, bankruptcy_price) -%}
    least(
        case when {{ is_long }}
            then {{ quantity }} * ({{ fill_price }} - {{ bankruptcy_price }})
            else {{ quantity }} * ({{ bankruptcy_price }} - {{ fill_price }})
        end,
        0
    )
{%- endmacro %}
