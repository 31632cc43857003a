-- 用卡轨迹汇总: one row per month × county × trajectory kind (轨迹类别) — holders (distinct people),
-- events, successful events and amount, from the aggregation store (no per-person rows)
with trajectories as (
    select * from {{ ref('stg_gold__trajectory_monthly') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

grouped as (
    select
        trajectory_month,
        county_code,
        trajectory_kind,
        count(distinct id_token) as holders,
        sum(events) as events,
        sum(successful_events) as successful_events,
        sum(amount_total) as amount_total
    from trajectories
    group by trajectory_month, county_code, trajectory_kind
),

final as (
    select
        ---------- grain
        grouped.trajectory_month,
        coalesce(regions.county_code, '000000') as county_code,
        coalesce(regions.county_name, '未知地区') as county_name,
        grouped.trajectory_kind,
        ---------- measures
        grouped.holders::integer as holders,
        grouped.events::integer as events,
        grouped.successful_events::integer as successful_events,
        round(grouped.amount_total, 2) as amount_total
    from grouped
    left join regions on grouped.county_code = regions.region_code
)

select * from final
