-- 制卡进度: one row per application and stage it reached (申请 → 审核 → 银行开户 → 省级制卡 →
-- 市级接收 → 发往网点 → 领卡), with the hours since the previous stage. A rejected review
-- (审核不通过) is the 审核 row with is_rejected; such an application reaches no later stage.
-- One pass over the applications (the seven stages as a lateral list), the county looked up once
-- per application, not once per stage.
with applications as (
    select * from {{ ref('stg_lakehouse__card_applications') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

located as (
    select
        applications.*,
        -- an unknown 制卡地 counts under the missing member 000000
        coalesce(regions.county_code, '000000') as county_code
    from applications
    left join regions on applications.region_code = regions.region_code
),

reached as (
    select
        located.application_id,
        located.county_code,
        located.channel,
        stages.stage_order,
        stages.stage_name,
        stages.is_rejected,
        stages.stage_at,
        {{ business_date('stages.stage_at') }} as stage_date,
        extract(epoch from stages.stage_at - stages.previous_at) / 3600.0 as hours_from_previous
    from located
    cross join lateral (
        values
            (1, '申请', located.applied_at, null::timestamptz, false),
            (2, '审核', located.reviewed_at, located.applied_at, located.review_state = '审核不通过'),
            (3, '银行开户', located.bank_opened_at, located.reviewed_at, false),
            (4, '省级制卡', located.province_made_at, located.bank_opened_at, false),
            (5, '市级接收', located.city_received_at, located.province_made_at, false),
            (6, '发往网点', located.sent_to_outlet_at, located.city_received_at, false),
            (7, '领卡', located.picked_up_at, located.sent_to_outlet_at, false)
    ) as stages (stage_order, stage_name, stage_at, previous_at, is_rejected)
    where stages.stage_at is not null
)

select * from reached
