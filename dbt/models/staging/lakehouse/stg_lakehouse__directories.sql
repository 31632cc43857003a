with source as (
    select * from {{ source('lakehouse', 'raw_directory') }}
),

renamed as (
    select
        dataset as directory_name,
        code as entry_code,
        name as entry_name,
        kind as entry_kind,
        county_code,
        township_code,
        address,
        department_code,
        department
    from source
)

select * from renamed
