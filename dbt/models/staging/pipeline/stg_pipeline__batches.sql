with source as (
    select * from {{ source('pipeline', 'batch') }}
),

renamed as (
    select
        route_id,
        split_part(route_id, '.', 1) as source_system,
        split_part(route_id, '.', 2) as source_table,
        logical_date,
        batch_id,
        source_rows,
        bronze_rows,
        status as batch_status,
        error as error_message,
        started_at,
        finished_at
    from source
)

select * from renamed
