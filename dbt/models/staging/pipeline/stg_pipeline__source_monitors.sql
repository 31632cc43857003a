with source as (
    select * from {{ source('pipeline', 'source_monitor') }}
),

renamed as (
    select
        source as source_system,
        logical_date,
        title as source_title,
        newest_at,
        freshness_hours,
        late_after_hours,
        is_late,
        rows as day_rows,
        baseline_rows,
        volume_deviation,
        volume_off as is_volume_off,
        batches,
        failed_batches,
        checked_at
    from source
)

select * from renamed
