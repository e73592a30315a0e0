{#- Sum of a DOUBLE expression that is the same bits whatever order the rows arrive in, on every
    engine: each value is cast to DECIMAL(38, scale) (a deterministic rounding of that value
    alone) and the decimals are summed exactly (DuckDB and Spark add DECIMAL(38, s) without
    rounding), then the sum goes back to DOUBLE. A floating-point sum depends on its order (DuckDB
    sums in parallel), so without this an incremental run and a full refresh would give nearly
    equal buckets, not equal ones.
    Why not `sum(x order by ...)`: an ordered aggregate buffers and sorts every group and does not
    spill; at scale 10 it ran out of memory. A decimal sum is a fixed-size state (a 128-bit
    integer) in an ordinary hash aggregate, which spills beyond DuckDB's memory_limit.
    `scale`: 6 for money already held to the millionth of a dollar (usd_amount: the sum is then
    exactly the sum of the mart's DECIMAL values); more for raw DOUBLE amounts, whose rounding
    then stays far below the millionth the mart keeps. DECIMAL(38, 12) holds 10^26. -#}
{% macro exact_sum(expression, scale=6) -%}
    cast(sum(cast({{ expression }} as decimal(38, {{ scale }}))) as {{ type_double() }})
{%- endmacro %}
