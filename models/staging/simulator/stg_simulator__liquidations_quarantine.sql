-- Raw liquidation rows rejected by simulator_liquidations_checked(), unchanged, with the reason.
with

checked as (
    {{ simulator_liquidations_checked(source('simulator', 'liquidations')) }}
),

final as (
    select
        liquidation_id,
        position_id,
        venue,
        symbol,
        side,
        quantity,
        price,
        liquidated_at_ms,
        is_shown_in_public_feed,
        filename as source_file,
        quarantine_reason
    from checked
    where quarantine_reason is not null
)

select * from final
