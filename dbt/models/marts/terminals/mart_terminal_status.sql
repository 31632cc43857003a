-- 终端运行监控: one row per kiosk and business day — online rate (在线率), running rate (正常运行率)
-- and fault rate (故障率) as shares of the day, faults started, alarms raised — with its outlet,
-- township and county. Empty (but valid) until the kiosk services' tables reach the lakehouse.
with device_days as (
    select * from {{ ref('int_device_days_measured') }}
),

devices as (
    select * from {{ ref('stg_ops__devices') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

final as (
    select
        ---------- grain
        device_days.status_date,
        coalesce(regions.county_code, '000000') as county_code,
        coalesce(regions.county_name, '未知地区') as county_name,
        regions.township_code,
        regions.township_name,
        devices.outlet_code,
        case when regions.region_level = 'outlet' then regions.region_name end as outlet_name,
        device_days.device_id,
        devices.device_type,
        devices.use_state,
        ---------- measures
        round(device_days.online_seconds / 3600.0, 3) as online_hours,
        round(device_days.online_seconds / 86400.0, 4) as online_rate,
        round(device_days.running_seconds / 86400.0, 4) as running_rate,
        round(device_days.fault_seconds / 86400.0, 4) as fault_rate,
        device_days.fault_seconds > 0 as had_fault,
        device_days.faults_started::integer as faults_started,
        device_days.alarms_raised::integer as alarms_raised
    from device_days
    inner join devices on device_days.device_id = devices.device_id
    left join regions on devices.outlet_code = regions.region_code
)

select * from final
