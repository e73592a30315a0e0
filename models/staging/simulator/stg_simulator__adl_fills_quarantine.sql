-- Raw ADL rows rejected by the checks in stg_simulator__adl_fills, unchanged, with the reason.
with

checked as (
    {{ simulator_adl_fills_checked(source('simulator', 'adl_fills')) }}
),

final as (
    select
        liquidation_id,
        venue,
        symbol,
        side,
        quantity,
        price,
        adl_at_ms,
        filename as source_file,
        quarantine_reason
    from checked
    where quarantine_reason is not null
)

select * from final
