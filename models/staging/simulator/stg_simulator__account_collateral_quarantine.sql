-- Raw account-collateral rows rejected by the checks in stg_simulator__account_collateral,
-- unchanged, with the reason.
with

checked as (
    {{ simulator_account_collateral_checked(source('simulator', 'account_collateral')) }}
),

final as (
    select
        account_id,
        venue,
        collateral_asset,
        collateral_usd,
        filename as source_file,
        quarantine_reason
    from checked
    where quarantine_reason is not null
)

select * from final
