-- 制卡进度: one row per application and stage it reached (申请 → 审核 → 银行开户 → 省级制卡 →
-- 市级接收 → 发往网点 → 领卡), with the hours since the previous stage. A rejected review
-- (审核不通过) is the 审核 row with is_rejected; such an application reaches no later stage.
with applications as (
    select * from {{ ref('stg_lakehouse__card_applications') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

stages as (
    select application_id, region_code, channel, 1 as stage_order, '申请' as stage_name,
        applied_at as stage_at, null::timestamptz as previous_at, false as is_rejected
    from applications
    union all
    select application_id, region_code, channel, 2, '审核', reviewed_at, applied_at,
        review_state = '审核不通过'
    from applications
    union all
    select application_id, region_code, channel, 3, '银行开户', bank_opened_at, reviewed_at, false
    from applications
    union all
    select application_id, region_code, channel, 4, '省级制卡', province_made_at, bank_opened_at, false
    from applications
    union all
    select application_id, region_code, channel, 5, '市级接收', city_received_at, province_made_at, false
    from applications
    union all
    select application_id, region_code, channel, 6, '发往网点', sent_to_outlet_at, city_received_at, false
    from applications
    union all
    select application_id, region_code, channel, 7, '领卡', picked_up_at, sent_to_outlet_at, false
    from applications
),

reached as (
    select
        application_id,
        -- an unknown 制卡地 counts under the missing member 000000
        coalesce(regions.county_code, '000000') as county_code,
        channel,
        stage_order,
        stage_name,
        is_rejected,
        stage_at,
        {{ business_date('stage_at') }} as stage_date,
        extract(epoch from stage_at - previous_at) / 3600.0 as hours_from_previous
    from stages
    left join regions on stages.region_code = regions.region_code
    where stage_at is not null
)

select * from reached
