with source as (
    select * from {{ source('lakehouse', 'raw_benefit_payment') }}
),

renamed as (
    select
        ---------- ids
        payment_id,
        id_token,
        bank_account_token,
        ---------- payment
        insurance_type,
        benefit_type,
        period,
        amount::numeric(14, 2) as amount,
        region_code,
        paid_on::date as paid_on,
        handled_at::timestamptz as handled_at
    from source
)

select * from renamed
