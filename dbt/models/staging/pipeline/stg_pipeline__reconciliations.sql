with source as (
    select * from {{ source('pipeline', 'reconciliation') }}
),

renamed as (
    select
        route_id,
        split_part(route_id, '.', 1) as source_system,
        split_part(route_id, '.', 2) as source_table,
        logical_date,
        dataset,
        source_rows,
        bronze_rows,
        silver_rows,
        quarantine_rows,
        ok as is_reconciled,
        note,
        checked_at
    from source
)

select * from renamed
