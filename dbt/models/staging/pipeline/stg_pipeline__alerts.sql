with source as (
    select * from {{ source('pipeline', 'alert') }}
),

renamed as (
    select
        source as source_system,
        logical_date,
        kind as alert_kind,
        severity,
        message,
        raised_at
    from source
)

select * from renamed
