-- 接口调用统计: one row per business day × county × module × route template × method — calls,
-- errors (4xx + 5xx), server errors (5xx), latency p50 / p95 / p99 and mean (ms, continuous percentiles)
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
        endpoint,
        method,
        count(*) as calls,
        count(*) filter (where status >= 400) as errors,
        count(*) filter (where status >= 500) as server_errors,
        percentile_cont(0.5) within group (order by latency_ms) as p50_ms,
        percentile_cont(0.95) within group (order by latency_ms) as p95_ms,
        percentile_cont(0.99) within group (order by latency_ms) as p99_ms,
        avg(latency_ms) as avg_ms
    from requests
    group by request_date, county_code, module, endpoint, method
),

final as (
    select
        ---------- grain
        grouped.request_date,
        coalesce(regions.county_code, '000000') as county_code,
        coalesce(regions.county_name, '未知地区') as county_name,
        grouped.module,
        grouped.endpoint,
        grouped.method,
        grouped.method || ' ' || grouped.endpoint as interface_name,
        ---------- measures
        grouped.calls::integer as calls,
        grouped.errors::integer as errors,
        grouped.server_errors::integer as server_errors,
        round(grouped.p50_ms::numeric, 3) as p50_ms,
        round(grouped.p95_ms::numeric, 3) as p95_ms,
        round(grouped.p99_ms::numeric, 3) as p99_ms,
        round(grouped.avg_ms::numeric, 3) as avg_ms
    from grouped
    left join regions on grouped.county_code = regions.region_code
)

select * from final
