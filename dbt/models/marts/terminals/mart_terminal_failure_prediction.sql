-- 终端故障预测 (seed 四.4): one row per kiosk and day — the component most likely to fail within
-- 7 days, its probability and risk level (高 ≥ 0.3, 中 ≥ 0.1: a working component fails within a
-- week in about 5 % of device-days), how many components are at risk, with outlet, township and county.
{#- an unnamed index: dbt swaps the new table in while the old one (and its index names) still exists -#}
{{ config(post_hook="create index on {{ this }} (prediction_date, county_code)") }}

with predictions as (
    select * from {{ ref('stg_prediction__terminal_failures') }}
),

devices as (
    select * from {{ ref('stg_ops__devices') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

per_device_day as (
    select
        device_id,
        prediction_date,
        count(*) filter (where failure_probability >= 0.1 and not is_faulty) as components_at_risk,
        bool_or(is_faulty) as has_faulty_component,
        sum(warnings_7d) as warnings_7d
    from predictions
    group by device_id, prediction_date
),

riskiest as (
    select distinct on (device_id, prediction_date)
        device_id,
        prediction_date,
        component,
        failure_probability,
        last_measure,
        days_since_fault,
        model_method,
        model_holdout_auc,
        as_of_date
    from predictions
    where not is_faulty
    order by device_id, prediction_date, failure_probability desc, component
),

final as (
    select
        ---------- grain
        per_device_day.prediction_date,
        per_device_day.device_id,
        coalesce(regions.county_code, '000000') as county_code,
        coalesce(regions.county_name, '未知地区') as county_name,
        regions.township_code,
        regions.township_name,
        devices.outlet_code,
        case when regions.region_level = 'outlet' then regions.region_name end as outlet_name,
        ---------- the riskiest working component
        riskiest.component,
        case riskiest.component
            when 'card_reader' then '读卡器'
            when 'id_reader' then '身份证阅读器'
            when 'camera' then '摄像头'
            when 'receipt_printer' then '凭条打印机'
            when 'network' then '网络'
        end as component_name,
        coalesce(riskiest.failure_probability, 0) as failure_probability,
        case
            when riskiest.failure_probability >= 0.3 then '高'
            when riskiest.failure_probability >= 0.1 then '中'
            else '低'
        end as risk_level,
        coalesce(riskiest.failure_probability >= 0.3, false) as is_high_risk,
        riskiest.last_measure,
        riskiest.days_since_fault,
        ---------- the device
        per_device_day.components_at_risk::integer as components_at_risk,
        per_device_day.has_faulty_component,
        per_device_day.warnings_7d::integer as warnings_7d,
        ---------- the model
        riskiest.model_method,
        riskiest.model_holdout_auc,
        riskiest.as_of_date
    from per_device_day
    left join riskiest
        on per_device_day.device_id = riskiest.device_id
        and per_device_day.prediction_date = riskiest.prediction_date
    left join devices on per_device_day.device_id = devices.device_id
    left join regions on devices.outlet_code = regions.region_code
)

select * from final
