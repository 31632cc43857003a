-- 会话汇总与申请漏斗: one row per session, with the funnel steps it reached
with requests as (
    select * from {{ ref('int_access_requests_sessionised') }}
),

approvals as (
    -- 审核通过 (staff), whenever it happened up to the as-of date
    select distinct object_id
    from {{ ref('stg_ops__access_requests') }}
    where endpoint = '/api/v1/admin/channel-applications/{application_id}/approve'
        and status < 300
        and object_id is not null
        and request_date <= {{ as_of_date() }}
),

submitted as (
    select
        session_id,
        object_id
    from requests
    where method = 'POST'
        and endpoint in ('/h5/apply', '/api/v1/channels/applications')
        and status < 400
        and object_id is not null
),

sessions as (
    select
        session_id,
        min(actor_token) as actor_token,
        min(actor_kind) as actor_kind,
        (array_agg(channel order by requested_at, request_id))[1] as channel,
        (array_agg(county_code order by requested_at, request_id))[1] as county_code,
        min(request_date) as session_date,
        count(*) as requests,
        extract(epoch from max(requested_at) - min(requested_at)) as duration_seconds,
        bool_or(method = 'GET' and endpoint in ('/h5/apply', '/api/v1/channels/flows')) as opened_application
    from requests
    group by session_id
),

final as (
    select
        sessions.*,
        exists (select 1 from submitted where submitted.session_id = sessions.session_id) as submitted_application,
        exists (
            select 1 from submitted
            inner join approvals on submitted.object_id = approvals.object_id
            where submitted.session_id = sessions.session_id
        ) as application_approved
    from sessions
)

select * from final
