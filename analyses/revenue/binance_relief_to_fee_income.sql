-- The answer for Binance, program by program, as a range: each program's economic cost over
-- Binance's exchange fee income from the event (fees on forced fills + on the day's excess
-- volume), per basis, low / central / high, with the fund's modelled and published result and
-- the liquidated users' lost margin beside it. Relief, remediation and the affiliate's airdrop
-- stay apart. Compile with `dbt compile --select binance_relief_to_fee_income` and run the SQL.
with

relief as (
    select * from {{ ref('fct_relief_to_fee_income') }}
    where venue = 'binance'
),

fund as (
    select * from {{ ref('fct_fund_flow_reconciliation') }}
    where venue = 'binance' and published_metric is not null
),

final as (
    select
        relief.basis,
        relief.program_name,
        relief.relief_kind,
        relief.payer,
        max(case when relief.scenario = 'central' then relief.face_value_usd end) / 1e6 as face_value_musd,
        max(case when relief.scenario = 'low' then relief.economic_cost_usd end) / 1e6 as economic_cost_low_musd,
        max(case when relief.scenario = 'high' then relief.economic_cost_usd end) / 1e6 as economic_cost_high_musd,
        max(case when relief.scenario = 'high' then relief.fee_income_usd end) / 1e6 as fee_income_low_musd,
        max(case when relief.scenario = 'central' then relief.fee_income_usd end) / 1e6 as fee_income_central_musd,
        max(case when relief.scenario = 'low' then relief.fee_income_usd end) / 1e6 as fee_income_high_musd,
        max(case when relief.scenario = 'low' then relief.relief_to_fee_income_ratio end) as ratio_low,
        max(case when relief.scenario = 'central' then relief.relief_to_fee_income_ratio end) as ratio_central,
        max(case when relief.scenario = 'high' then relief.relief_to_fee_income_ratio end) as ratio_high,
        max(case when relief.scenario = 'central' then relief.liquidated_users_lost_margin_usd end) / 1e6
            as users_lost_margin_central_musd,
        max(fund.modelled_central_usd) / 1e6 as fund_modelled_central_musd,
        max(fund.published_central_usd) / 1e6 as fund_published_central_musd
    from relief
    left join fund
        on relief.basis = fund.basis
    group by 1, 2, 3, 4
)

select * from final
order by basis, relief_kind, program_name
