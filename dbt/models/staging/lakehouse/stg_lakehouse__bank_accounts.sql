with source as (
    select * from {{ source('lakehouse', 'raw_bank_account') }}
),

renamed as (
    select
        account_id,
        id_token,
        card_no,
        bank_code,
        bank_name,
        bank_card_token,
        opened_on::date as opened_on,
        status as account_status,
        is_open,
        changed_at::timestamptz as changed_at
    from source
)

select * from renamed
