-- One row per position (int_positions_with_liquidation_prices) with the observed trade path
-- after it opened: the path's extreme against the position, whether it crossed the position's
-- liquidation price and the first minute it did. fct_position_outcomes crosses this prediction
-- with the forced fills. A view: the mart reads it on a full build; its incremental runs call the
-- same macro on the positions they recompute only. How it is computed without a scan of the
-- bars per position: macros/position_price_paths.sql.
{{ position_price_paths(ref('int_positions_with_liquidation_prices'), ref('stg_simulator__price_bars')) }}
