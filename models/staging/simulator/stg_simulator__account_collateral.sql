{{ config(materialized='table') }}
-- One row per account whose margin is held in a collateral asset that depegged on its venue
-- (simulator switch collateral_depeg; seed collateral_depegs), that passed the row checks;
-- rejected rows are in stg_simulator__account_collateral_quarantine. Accounts not listed are
-- margined in USDT. Read by int_liquidation_fills_revenue (the collateral's depeg loss).
with

checked as (
    {{ simulator_account_collateral_checked(source('simulator', 'account_collateral')) }}
),

final as (
    select
        cast(account_id as {{ dbt.type_bigint() }}) as account_id,
        lower(trim(venue)) as venue,
        upper(trim(collateral_asset)) as collateral_asset,
        cast(collateral_usd as {{ type_double() }}) as collateral_usd,
        filename as source_file
    from checked
    where quarantine_reason is null
)

select * from final
