-- 申领结果: one row per application with its outcome — 已制卡 (a card was made), 审核不通过, or
-- 办理中 — and the days from applying to collecting the card.
with applications as (
    select * from {{ ref('stg_lakehouse__card_applications') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

resolved as (
    select
        applications.application_id,
        coalesce(regions.county_code, '000000') as county_code,
        applications.channel,
        applications.channel in (
            {%- for channel in var('online_channels') %}'{{ channel }}'{{ ", " if not loop.last }}{% endfor -%}
        ) as is_online,
        applications.business_type,
        {{ business_date('applications.applied_at') }} as apply_date,
        case
            when applications.review_state = '审核不通过' then '审核不通过'
            when applications.province_made_at is not null then '已制卡'
            else '办理中'
        end as outcome,
        applications.picked_up_at is not null as is_collected,
        extract(epoch from applications.picked_up_at - applications.applied_at) / 86400.0 as days_to_card
    from applications
    left join regions on applications.region_code = regions.region_code
)

select * from resolved
