-- 用户行为: one row per business day × channel × actor kind × county — sessions (30 minutes of
-- inactivity end one), visitors, returning visitors (a session on an earlier day), requests, time spent
with sessions as (
    select * from {{ ref('int_channel_sessions_summarised') }}
    where session_date <= {{ as_of_date() }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

first_seen as (
    select
        actor_token,
        min(session_date) as first_session_date
    from sessions
    group by actor_token
),

grouped as (
    select
        sessions.session_date,
        sessions.channel,
        sessions.actor_kind,
        sessions.county_code,
        count(*) as sessions,
        count(distinct sessions.actor_token) as visitors,
        count(distinct sessions.actor_token) filter (
            where first_seen.first_session_date < sessions.session_date
        ) as returning_visitors,
        sum(sessions.requests) as requests,
        sum(sessions.duration_seconds) as duration_seconds
    from sessions
    inner join first_seen on sessions.actor_token = first_seen.actor_token
    group by sessions.session_date, sessions.channel, sessions.actor_kind, sessions.county_code
),

final as (
    select
        ---------- grain
        grouped.session_date,
        grouped.channel,
        grouped.actor_kind,
        coalesce(regions.county_code, '000000') as county_code,
        coalesce(regions.county_name, '未知地区') as county_name,
        ---------- measures
        grouped.sessions::integer as sessions,
        grouped.visitors::integer as visitors,
        grouped.returning_visitors::integer as returning_visitors,
        grouped.requests::integer as requests,
        round(grouped.duration_seconds::numeric, 1) as duration_seconds
    from grouped
    left join regions on grouped.county_code = regions.region_code
)

select * from final
