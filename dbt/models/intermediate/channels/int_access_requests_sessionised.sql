-- 会话切分: a new session when an actor's previous request is more than 30 minutes earlier
with requests as (
    select * from {{ ref('stg_ops__access_requests') }}
    where actor_token is not null
),

gaps as (
    select
        *,
        case
            when lag(requested_at) over by_actor is null then 1
            when requested_at - lag(requested_at) over by_actor > interval '30 minutes' then 1
            else 0
        end as starts_session
    from requests
    window by_actor as (partition by actor_token order by requested_at, request_id)
),

numbered as (
    select
        *,
        sum(starts_session) over (
            partition by actor_token order by requested_at, request_id rows unbounded preceding
        )::integer as session_number
    from gaps
),

final as (
    select
        *,
        actor_token || '#' || session_number as session_id
    from numbered
)

select * from final
