with source as (
    select * from {{ source('lakehouse', 'raw_medical_settlement') }}
),

renamed as (
    select
        ---------- ids
        settlement_id,
        id_token,
        card_no,
        institution_code,
        ---------- settlement
        institution_name,
        institution_kind,
        medical_category,
        medium,
        total_amount::numeric(14, 2) as total_amount,
        fund_paid::numeric(14, 2) as fund_paid,
        account_paid::numeric(14, 2) as account_paid,
        cash_paid::numeric(14, 2) as cash_paid,
        region_code,
        settled_at::timestamptz as settled_at,
        handled_at::timestamptz as handled_at
    from source
)

select * from renamed
