with source as (
    select * from {{ source('lakehouse', 'raw_quarantine_counts') }}
),

renamed as (
    select
        dataset,
        logical_date::date as logical_date,
        source_table,
        expectation,
        "column" as column_name,
        reason,
        rows::bigint as quarantined_rows
    from source
)

select * from renamed
