-- 业务统计 (seed 2.5), long: one row per statistic, item, place (outlet or kiosk) and day. The words
-- and definitions are those of services/cards/stats.py (the ops API's statistics):
--   设备   snapshot on the business date per kiosk: 合计, 启用 / 停用 (使用状态), 在线 / 离线 (its
--          last 在线状态 by the end of the date)
--   网点   snapshot: 合计 = outlets with a registered kiosk, 启用 = outlets with an enabled kiosk
--   发卡   cards handed over per day: 合计 = every card (新办 + 补卡 + 换卡), 新办 = first cards;
--   补卡 / 换卡  合计 per day (the card system's applications, every channel)
--   预制卡 per kiosk and day: 添加, 使用 (制卡 + 废卡); on the business date 数量 (Σ 添加),
--          已使用 (Σ 使用), 未使用 = 数量 − 已使用
--   废卡   waste cards per kiosk and day (合计)
with devices as (
    select * from {{ ref('stg_ops__devices') }}
),

intervals as (
    select * from {{ ref('int_device_state_intervals') }}
),

issuances as (
    select * from {{ ref('int_card_issuances_classified') }}
),

additions as (
    select * from {{ ref('stg_ops__blank_card_additions') }}
),

usages as (
    select * from {{ ref('stg_ops__blank_card_usages') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

online_now as (
    select distinct on (device_id) device_id, state = '在线' as is_online
    from intervals
    where state_kind = '在线状态'
    order by device_id, valid_from desc
),

device_stats as (
    select as_of.as_of_date as stat_date, devices.outlet_code as located_code, devices.device_id,
        '设备' as stat_name, item.stat_item, 1 as value
    from devices
    cross join as_of
    left join online_now on devices.device_id = online_now.device_id
    cross join lateral (
        values
            ('合计'),
            (case when devices.is_enabled then '启用' else '停用' end),
            (case when coalesce(online_now.is_online, false) then '在线' else '离线' end)
    ) as item (stat_item)
),

outlet_stats as (
    select as_of.as_of_date, outlets.outlet_code, null::text, '网点', item.stat_item, 1
    from (select outlet_code, bool_or(is_enabled) as has_enabled from devices group by outlet_code) as outlets
    cross join as_of
    cross join lateral (values ('合计'), (case when outlets.has_enabled then '启用' end)) as item (stat_item)
    where item.stat_item is not null
),

issuance_stats as (
    select issue_date, outlet_code, device_id, issue_type, '合计', count(*)::integer
    from issuances
    where issue_type in ('补卡', '换卡')
    group by issue_date, outlet_code, device_id, issue_type
    union all
    select issue_date, outlet_code, device_id, '发卡', item.stat_item, count(*)::integer
    from issuances
    cross join lateral (
        values ('合计'), (case when issuances.issue_type = '发卡' then '新办' end)
    ) as item (stat_item)
    where item.stat_item is not null
    group by issue_date, outlet_code, device_id, item.stat_item
),

blank_daily as (
    select {{ business_date('added_at') }} as stat_date, outlet_code, device_id, '添加' as stat_item,
        quantity
    from additions
    union all
    select {{ business_date('occurred_at') }}, outlet_code, device_id, '使用', quantity
    from usages
),

blank_stats as (
    select stat_date, outlet_code, device_id, '预制卡', stat_item, sum(quantity)::integer
    from blank_daily
    group by stat_date, outlet_code, device_id, stat_item
),

blank_balance as (
    select device_id, outlet_code,
        sum(quantity) filter (where stat_item = '添加') as added,
        coalesce(sum(quantity) filter (where stat_item = '使用'), 0) as used
    from blank_daily
    cross join as_of
    where stat_date <= as_of.as_of_date
    group by device_id, outlet_code
),

balance_stats as (
    select as_of.as_of_date, blank_balance.outlet_code, blank_balance.device_id, '预制卡', item.stat_item,
        item.value::integer
    from blank_balance
    cross join as_of
    cross join lateral (
        values ('数量', coalesce(added, 0)), ('已使用', used), ('未使用', coalesce(added, 0) - used)
    ) as item (stat_item, value)
),

waste_stats as (
    select {{ business_date('occurred_at') }}, outlet_code, device_id, '废卡', '合计', sum(quantity)::integer
    from usages
    where usage_kind = '废卡'
    group by 1, 2, 3
),

unioned as (
    select * from device_stats
    union all select * from outlet_stats
    union all select * from issuance_stats
    union all select * from blank_stats
    union all select * from balance_stats
    union all select * from waste_stats
)

select * from unioned
