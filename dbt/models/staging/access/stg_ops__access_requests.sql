-- 渠道访问记录 (access_log): one row per API or H5 request, Beijing date and hour added
with source as (
    {{ optional_source('ops_access', 'raw_ops_access_log', [
        ('id', 'bigint'), ('at', 'timestamptz'), ('actor_kind', 'text'), ('actor_token', 'text'),
        ('channel', 'text'), ('channel_id', 'text'), ('module', 'text'), ('method', 'text'),
        ('endpoint', 'text'), ('operation', 'text'), ('object_id', 'text'), ('status', 'integer'),
        ('result', 'text'), ('error_code', 'text'), ('latency_ms', 'double precision'),
        ('county_code', 'text'), ('place', 'text'),
    ]) }}
),

renamed as (
    select
        ---------- ids
        id as request_id,
        actor_token,
        object_id,
        ---------- who and where
        actor_kind,
        channel,
        channel_id,
        coalesce(county_code, '000000') as county_code,
        place,
        ---------- what
        module,
        method,
        endpoint,
        operation,
        status,
        result,
        error_code,
        status >= 400 as is_error,
        latency_ms,
        ---------- when
        at as requested_at,
        {{ business_date('at') }} as request_date,
        extract(hour from at at time zone 'Asia/Shanghai')::integer as request_hour
    from source
)

select * from renamed
