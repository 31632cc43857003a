with source as (
    select * from {{ source('lakehouse', 'raw_business_transaction') }}
),

renamed as (
    select
        transaction_id,
        id_token,
        staff_token,
        business_type,
        business_type_name,
        outlet_code,
        outlet_name,
        region_code,
        transacted_at::timestamptz as transacted_at,
        handled_at::timestamptz as handled_at
    from source
)

select * from renamed
