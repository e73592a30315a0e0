-- A pool's model can only be fitted to a published result it has (insurance_fund_pools): a fitted
-- pool must be a published one and name what was fitted (`fitted_by`); an unfitted pool names
-- nothing. Returns the rows that break this.
select venue, symbol, pool_id, is_published_pool, is_fitted_to_published, fitted_by
from {{ ref('insurance_fund_pools') }}
where (is_fitted_to_published and not is_published_pool)
    or (is_fitted_to_published and fitted_by is null)
    or (not is_fitted_to_published and fitted_by is not null)
