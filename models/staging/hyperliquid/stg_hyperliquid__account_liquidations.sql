-- Every data row of Hyperliquid's own historical liquidations file (format
-- historical-liquidations-csv; hyperliquid-dex/historical_data liquidations.csv):
-- time (ISO 8601 UTC), user, liquidated_ntl_pos, liquidated_account_value, leverage_type.
-- These are ACCOUNT liquidations: no coin, side or price, so they cannot enter the fill-level
-- union (int_liquidations_unioned) and are kept here, at their own grain. The header row is
-- dropped; every data row is kept, quarantine_reason null when loaded.
with

raw as (
    select * from {{ source('venue_files', 'historical_liquidations_csv') }}
),

typed as (
    select
        raw.*,
        concat_ws(',', c00, c01, c02, c03, c04) as raw_record,
        {{ try_text_to_epoch_ms('c00') }} as liquidated_at_ms,
        {{ try_to_double('c02') }} as notional_value,
        {{ try_to_double('c03') }} as account_value
    from raw
    where lower(trim(c00)) <> 'time'
),

row_checked as (
    select
        typed.*,
        case
            when c00 is null or c01 is null or c02 is null then 'null_required_value'
            when liquidated_at_ms is null then 'unparseable_time'
            when notional_value is null then 'unparseable_notional'
            when c03 is not null and account_value is null then 'unparseable_account_value'
            when not {{ is_finite('notional_value') }} or not notional_value > 0 then 'non_positive_notional'
            when lower(trim(c04)) not in ('cross', 'isolated') then 'invalid_leverage_type'
        end as row_quarantine_reason
    from typed
),

ranked as (
    select
        row_checked.*,
        row_number() over (
            partition by row_quarantine_reason, raw_record
            order by source_file
        ) as copy_rank
    from row_checked
),

final as (
    select
        'hyperliquid' as venue,
        {{ simulator_epoch_ms_to_timestamp('liquidated_at_ms') }} as liquidated_at,
        lower(trim(c01)) as user_address,
        cast(notional_value as {{ type_double() }}) as liquidated_notional_usd,
        cast(account_value as {{ type_double() }}) as account_value_usd,
        lower(trim(c04)) as margin_mode,
        'historical-liquidations-csv' as source_format,
        source_file,
        raw_record,
        coalesce(row_quarantine_reason, case when copy_rank > 1 then 'duplicate_row' end) as quarantine_reason
    from ranked
)

select * from final
