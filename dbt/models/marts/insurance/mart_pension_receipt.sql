-- 养老待遇领取态势: per month, county and group (机关 / 企业 / 城乡居民) — recipients, payments,
-- amount, and the share paid to the social security card (by payments and by amount).
with payments as (
    select * from {{ ref('int_pension_payments_classified') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

monthly as (
    select
        pay_month,
        county_code,
        pension_group,
        count(distinct id_token) as recipients,
        count(*) as payments,
        sum(amount) as amount,
        count(*) filter (where is_paid_to_card) as paid_to_card_payments,
        coalesce(sum(amount) filter (where is_paid_to_card), 0) as paid_to_card_amount
    from payments
    group by pay_month, county_code, pension_group
),

final as (
    select
        ---------- grain
        monthly.pay_month,
        monthly.county_code,
        coalesce(regions.county_name, '未知地区') as county_name,
        monthly.pension_group,
        ---------- measures
        monthly.recipients::integer as recipients,
        monthly.payments::integer as payments,
        monthly.amount,
        monthly.paid_to_card_payments::integer as paid_to_card_payments,
        monthly.paid_to_card_amount,
        round({{ safe_share('monthly.paid_to_card_payments', 'monthly.payments') }}, 4) as paid_to_card_share,
        round({{ safe_share('monthly.paid_to_card_amount', 'monthly.amount') }}, 4) as paid_to_card_amount_share
    from monthly
    left join regions on monthly.county_code = regions.region_code
)

select * from final
