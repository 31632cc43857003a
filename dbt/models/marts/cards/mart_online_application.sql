-- 线上申领分析: applications per business day, county and channel with their outcome; the success
-- rate is 已制卡 / (已制卡 + 审核不通过) — applications still in progress are not yet decided.
with applications as (
    select * from {{ ref('int_card_applications_resolved') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

daily as (
    select
        apply_date,
        county_code,
        channel,
        bool_and(is_online) as is_online,
        count(*) as applications,
        count(*) filter (where outcome = '已制卡') as succeeded,
        count(*) filter (where outcome = '审核不通过') as rejected,
        count(*) filter (where outcome = '办理中') as in_progress,
        count(*) filter (where is_collected) as collected,
        percentile_cont(0.5) within group (order by days_to_card) as median_days_to_card
    from applications
    group by apply_date, county_code, channel
),

final as (
    select
        ---------- grain
        daily.apply_date,
        daily.county_code,
        coalesce(regions.county_name, '未知地区') as county_name,
        daily.channel,
        daily.is_online,
        ---------- measures
        daily.applications::integer as applications,
        daily.succeeded::integer as succeeded,
        daily.rejected::integer as rejected,
        daily.in_progress::integer as in_progress,
        daily.collected::integer as collected,
        round({{ safe_share('daily.succeeded', 'daily.succeeded + daily.rejected') }}, 4) as success_rate,
        round(daily.median_days_to_card::numeric, 2) as median_days_to_card
    from daily
    left join regions on daily.county_code = regions.region_code
)

select * from final
