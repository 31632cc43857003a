-- 设备日运行: one row per registered device and Beijing business day over the last
-- `terminal_days` days up to the business date: seconds online, 正常 and 异常 (from the state
-- intervals overlapping the day), faults that started and alarms raised that day.
with devices as (
    select * from {{ ref('stg_ops__devices') }}
),

intervals as (
    select * from {{ ref('int_device_state_intervals') }}
),

alarms as (
    select * from {{ ref('stg_ops__alarms') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

device_days as (
    select
        devices.device_id,
        day::date as status_date,
        (day::timestamp at time zone 'Asia/Shanghai') as day_start,
        ((day + interval '1 day')::timestamp at time zone 'Asia/Shanghai') as day_end
    from devices
    cross join as_of
    cross join lateral generate_series(
        greatest({{ business_date('devices.registered_at') }}, as_of.as_of_date - {{ var('terminal_days') }} + 1),
        as_of.as_of_date,
        interval '1 day'
    ) as day
),

overlapping as (
    select
        device_days.device_id,
        device_days.status_date,
        intervals.state_kind,
        intervals.state,
        intervals.valid_from >= device_days.day_start as started_today,
        extract(epoch from least(intervals.valid_to, device_days.day_end)
            - greatest(intervals.valid_from, device_days.day_start)) as seconds
    from device_days
    inner join intervals
        on device_days.device_id = intervals.device_id
        and intervals.valid_from < device_days.day_end
        and intervals.valid_to > device_days.day_start
),

per_day as (
    select
        device_id,
        status_date,
        coalesce(sum(seconds) filter (where state_kind = '在线状态' and state = '在线'), 0) as online_seconds,
        coalesce(sum(seconds) filter (where state_kind = '运行情况' and state = '正常'), 0) as running_seconds,
        coalesce(sum(seconds) filter (where state_kind = '运行情况' and state = '异常'), 0) as fault_seconds,
        count(*) filter (where state_kind = '运行情况' and state = '异常' and started_today) as faults_started
    from overlapping
    group by device_id, status_date
),

alarms_per_day as (
    select device_id, {{ business_date('raised_at') }} as status_date, count(*) as alarms_raised
    from alarms
    group by 1, 2
),

measured as (
    select
        device_days.device_id,
        device_days.status_date,
        round(coalesce(per_day.online_seconds, 0))::integer as online_seconds,
        round(coalesce(per_day.running_seconds, 0))::integer as running_seconds,
        round(coalesce(per_day.fault_seconds, 0))::integer as fault_seconds,
        coalesce(per_day.faults_started, 0)::integer as faults_started,
        coalesce(alarms_per_day.alarms_raised, 0)::integer as alarms_raised
    from device_days
    left join per_day
        on device_days.device_id = per_day.device_id and device_days.status_date = per_day.status_date
    left join alarms_per_day
        on device_days.device_id = alarms_per_day.device_id
        and device_days.status_date = alarms_per_day.status_date
)

select * from measured
