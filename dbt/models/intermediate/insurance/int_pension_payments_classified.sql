-- 养老待遇发放: one row per pension payment (险种 110 企业 / 120 机关 / 170 城乡居民), with the
-- recipient's county and whether it was paid into the bank account of a social security card
-- (the payment's account token equals a card's financial-account token).
with payments as (
    select * from {{ ref('stg_lakehouse__benefit_payments') }}
),

schemes as (
    select * from {{ ref('ref_pension_scheme') }}
),

cards as (
    select * from {{ ref('stg_lakehouse__cards') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

card_accounts as (
    select distinct bank_card_token
    from cards
    where bank_card_token is not null
),

classified as (
    select
        payments.payment_id,
        payments.id_token,
        schemes.pension_group,
        coalesce(regions.county_code, '000000') as county_code,
        date_trunc('month', payments.paid_on)::date as pay_month,
        payments.amount,
        card_accounts.bank_card_token is not null as is_paid_to_card
    from payments
    inner join schemes on payments.insurance_type = schemes.insurance_type::text
    left join regions on payments.region_code = regions.region_code
    left join card_accounts on payments.bank_account_token = card_accounts.bank_card_token
)

select * from classified
