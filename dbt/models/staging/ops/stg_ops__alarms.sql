-- 设备告警 (terminal_alarm)
with source as (
    {{ optional_source('ops', 'raw_ops_terminal_alarm', [
        ('id', 'bigint'), ('device_id', 'text'), ('alarm_type', 'text'), ('severity', 'text'),
        ('status', 'text'), ('raised_at', 'timestamptz'), ('cleared_at', 'timestamptz'),
    ]) }}
),

renamed as (
    select
        id as alarm_id,
        device_id,
        alarm_type,
        severity,
        status as alarm_status,
        raised_at,
        cleared_at
    from source
)

select * from renamed
