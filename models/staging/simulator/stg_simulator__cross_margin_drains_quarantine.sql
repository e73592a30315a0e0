-- Raw cross-margin drain rows rejected by the checks in stg_simulator__cross_margin_drains,
-- unchanged, with the reason.
with

checked as (
    {{ simulator_cross_margin_drains_checked(source('simulator', 'cross_margin_drains')) }}
),

final as (
    select
        position_id,
        venue,
        drained_usd,
        drained_from_ms,
        filename as source_file,
        quarantine_reason
    from checked
    where quarantine_reason is not null
)

select * from final
