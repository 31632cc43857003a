-- 设备登记 (terminal_device); zero rows until the ops extraction loads raw_ops_terminal_device
with source as (
    {{ optional_source('ops', 'raw_ops_terminal_device', [
        ('device_id', 'text'), ('name', 'text'), ('device_type', 'text'), ('outlet_code', 'text'),
        ('region_code', 'text'), ('status', 'text'), ('created_at', 'timestamptz'),
    ]) }}
),

renamed as (
    select
        device_id,
        name as device_name,
        device_type,
        outlet_code,
        region_code,
        status as use_state,
        status = '启用' as is_enabled,
        created_at as registered_at
    from source
)

select * from renamed
