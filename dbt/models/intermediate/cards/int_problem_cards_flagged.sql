-- 问题卡: one row per card and problem as of the business date, with the most precise region known
-- (the collection outlet, else the card's 发卡地). No personal data: card numbers stay here, the
-- mart only counts.
--   制卡未领>30天  sent to its outlet more than `uncollected_after_days` days ago, not collected
--   领卡失败       the kiosk's last pickup of the finished card failed
--   回盘失败       the card's latest write-back attempt failed
--   已过期         a card still in use (not 注销) past its 有效期
--   挂失未补       reported lost and no newer card issued to the holder since
with applications as (
    select * from {{ ref('stg_lakehouse__card_applications') }}
),

cards as (
    select * from {{ ref('stg_lakehouse__cards') }}
),

writebacks as (
    select * from {{ ref('stg_lakehouse__card_writebacks') }}
),

finished_cards as (
    select * from {{ ref('stg_ops__finished_cards') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

current_cards as (
    select
        cards.*,
        coalesce(applications.pickup_outlet_code, cards.region_code) as located_code
    from cards
    left join applications on cards.application_id = applications.application_id
    where cards.is_current
),

uncollected as (
    select applications.card_no, applications.pickup_outlet_code as located_code, '制卡未领>30天' as problem
    from applications
    cross join as_of
    where applications.sent_to_outlet_at is not null
        and {{ business_date('applications.sent_to_outlet_at') }}
            < as_of.as_of_date - {{ var('uncollected_after_days') }}
        and (
            applications.picked_up_at is null
            or {{ business_date('applications.picked_up_at') }} > as_of.as_of_date
        )
),

pickup_failed as (
    select card_no, outlet_code as located_code, '领卡失败' as problem
    from finished_cards
    where pickup_state = '领卡失败'
),

latest_writeback as (
    select distinct on (writebacks.card_no)
        writebacks.card_no,
        writebacks.is_succeeded
    from writebacks
    cross join as_of
    where {{ business_date('writebacks.attempted_at') }} <= as_of.as_of_date
    order by writebacks.card_no, writebacks.attempted_at desc, writebacks.attempt_no desc
),

writeback_failed as (
    select latest_writeback.card_no, current_cards.located_code, '回盘失败' as problem
    from latest_writeback
    left join current_cards on latest_writeback.card_no = current_cards.card_no
    where not latest_writeback.is_succeeded
),

expired as (
    select current_cards.card_no, current_cards.located_code, '已过期' as problem
    from current_cards
    cross join as_of
    where current_cards.card_status <> '注销' and current_cards.expires_on < as_of.as_of_date
),

lost_not_replaced as (
    select lost.card_no, lost.located_code, '挂失未补' as problem
    from current_cards as lost
    where lost.card_status in ('正式挂失', '临时挂失')
        and not exists (
            select 1
            from current_cards as newer
            where newer.id_token = lost.id_token
                and newer.card_no <> lost.card_no
                and newer.issued_on >= lost.issued_on
                and newer.card_status in ('正常', '待激活')
        )
),

flagged as (
    select * from uncollected
    union all
    select * from pickup_failed
    union all
    select * from writeback_failed
    union all
    select * from expired
    union all
    select * from lost_not_replaced
)

select * from flagged
