-- 线上申请漏斗: one row per business day × channel × county × step — residents' sessions that
-- reached 1 访问, 2 进入申请, 3 提交申请, 4 审核通过 (the submitted application approved later)
with sessions as (
    select * from {{ ref('int_channel_sessions_summarised') }}
    where actor_kind = 'resident' and session_date <= {{ as_of_date() }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

steps as (
    select session_date, channel, county_code, 1 as step_order, '访问' as step_name, true as reached
    from sessions
    union all
    select session_date, channel, county_code, 2, '进入申请', opened_application from sessions
    union all
    select session_date, channel, county_code, 3, '提交申请', submitted_application from sessions
    union all
    select session_date, channel, county_code, 4, '审核通过', application_approved from sessions
),

grouped as (
    select
        session_date,
        channel,
        county_code,
        step_order,
        step_name,
        count(*) filter (where reached) as sessions
    from steps
    group by session_date, channel, county_code, step_order, step_name
),

final as (
    select
        ---------- grain
        grouped.session_date,
        grouped.channel,
        coalesce(regions.county_code, '000000') as county_code,
        coalesce(regions.county_name, '未知地区') as county_name,
        grouped.step_order,
        grouped.step_name,
        ---------- measures
        grouped.sessions::integer as sessions
    from grouped
    left join regions on grouped.county_code = regions.region_code
)

select * from final
