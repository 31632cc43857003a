-- 设备状态区间: each device's states as intervals [valid_from, valid_to) — 在线状态 (在线 / 离线)
-- and 运行情况 (正常 / 异常) — from the state-change history; the last interval of a device runs to
-- the end of the business date.
with changes as (
    select * from {{ ref('stg_ops__device_state_changes') }}
),

as_of as (
    select
        (({{ as_of_date() }} + 1)::timestamp at time zone 'Asia/Shanghai') as as_of_end
),

ordered as (
    select
        changes.device_id,
        changes.state_kind,
        changes.to_state as state,
        changes.changed_at as valid_from,
        coalesce(
            lead(changes.changed_at) over (
                partition by changes.device_id, changes.state_kind
                order by changes.changed_at, changes.state_change_id
            ),
            as_of.as_of_end
        ) as valid_to
    from changes
    cross join as_of
    where changes.changed_at < as_of.as_of_end
)

select * from ordered
where valid_to > valid_from
