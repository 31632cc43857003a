-- 接入渠道分析: one row per business day × channel × actor kind × county (of the caller's IP)
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
        channel,
        actor_kind,
        county_code,
        count(*) as requests,
        count(distinct actor_token) as actors,
        count(*) filter (where is_error) as errors,
        avg(latency_ms) as avg_latency_ms
    from requests
    group by request_date, channel, actor_kind, county_code
),

final as (
    select
        ---------- grain
        grouped.request_date,
        grouped.channel,
        grouped.actor_kind,
        case grouped.actor_kind
            when 'resident' then '居民'
            when 'staff' then '工作人员'
            when 'device' then '自助终端'
            when 'partner' then '合作系统'
            else '未登录'
        end as actor_kind_name,
        coalesce(regions.county_code, '000000') as county_code,
        coalesce(regions.county_name, '未知地区') as county_name,
        ---------- measures
        grouped.requests::integer as requests,
        grouped.actors::integer as actors,
        grouped.errors::integer as errors,
        round(grouped.avg_latency_ms::numeric, 3) as avg_latency_ms
    from grouped
    left join regions on grouped.county_code = regions.region_code
)

select * from final
