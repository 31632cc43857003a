with source as (
    select * from {{ source('lakehouse', 'raw_card_batch') }}
),

renamed as (
    select
        batch_no,
        bank_code,
        bank_name,
        card_count::integer as card_count,
        made_at::timestamptz as made_at,
        city_received_at::timestamptz as city_received_at,
        changed_at::timestamptz as changed_at
    from source
)

select * from renamed
