-- 社保业务: one row per business event of the social insurance systems — 经办业务 (counter
-- transactions, by 业务类型), 待遇发放 (benefit payments, by 待遇类型) and 医保结算 (medical
-- settlements, by 医疗类别) — with its county, business date and amount (经办业务 carry none).
with transactions as (
    select * from {{ ref('stg_lakehouse__business_transactions') }}
),

payments as (
    select * from {{ ref('stg_lakehouse__benefit_payments') }}
),

settlements as (
    select * from {{ ref('stg_lakehouse__medical_settlements') }}
),

medical_categories as (
    select * from {{ ref('ref_medical_category') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

unioned as (
    select
        '经办业务' as business_category,
        coalesce(business_type_name, business_type) as business_type,
        outlet_code as region_code,
        region_code as fallback_code,
        {{ business_date('transacted_at') }} as business_date,
        null::numeric as amount
    from transactions
    union all
    select
        '待遇发放',
        benefit_type,
        region_code,
        null,
        paid_on,
        amount
    from payments
    union all
    select
        '医保结算',
        coalesce(medical_categories.medical_category_name, settlements.medical_category),
        settlements.region_code,
        null,
        {{ business_date('settlements.settled_at') }},
        settlements.total_amount
    from settlements
    left join medical_categories on settlements.medical_category = medical_categories.medical_category::text
),

located as (
    select
        unioned.business_category,
        coalesce(unioned.business_type, '未知') as business_type,
        -- the outlet (经办机构) when it is a known one, else the record's county
        coalesce(regions.county_code, fallback.county_code, '000000') as county_code,
        unioned.business_date,
        unioned.amount
    from unioned
    left join regions on unioned.region_code = regions.region_code
    left join regions as fallback on unioned.fallback_code = fallback.region_code
)

select * from located
