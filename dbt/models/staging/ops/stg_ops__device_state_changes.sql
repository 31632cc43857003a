-- 设备状态变化 (terminal_state_change): kind 在线 (online/offline) or 运行 (正常/异常)
with source as (
    {{ optional_source('ops', 'raw_ops_terminal_state_change', [
        ('id', 'bigint'), ('device_id', 'text'), ('at', 'timestamptz'), ('kind', 'text'),
        ('from_state', 'text'), ('to_state', 'text'), ('cause', 'text'),
    ]) }}
),

renamed as (
    select
        id as state_change_id,
        device_id,
        at as changed_at,
        kind as state_kind,
        from_state,
        to_state,
        cause
    from source
)

select * from renamed
