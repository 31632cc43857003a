-- 使用热度: one row per business day × county × module (子系统模块) × hour of the day (Beijing)
with requests as (
    select * from {{ ref('stg_ops__access_requests') }}
    where request_date <= {{ as_of_date() }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

grouped as (
    select
        request_date,
        county_code,
        module,
        request_hour,
        count(*) as requests,
        count(distinct actor_token) as actors
    from requests
    group by request_date, county_code, module, request_hour
),

final as (
    select
        ---------- grain
        grouped.request_date,
        coalesce(regions.county_code, '000000') as county_code,
        coalesce(regions.county_name, '未知地区') as county_name,
        grouped.module,
        grouped.request_hour,
        ---------- measures
        grouped.requests::integer as requests,
        grouped.actors::integer as actors
    from grouped
    left join regions on grouped.county_code = regions.region_code
)

select * from final
