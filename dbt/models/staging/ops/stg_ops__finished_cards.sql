-- 成品卡 (card_finished): state 待领 / 领卡成功 / 领卡失败
with source as (
    {{ optional_source('ops', 'raw_ops_card_finished', [
        ('card_no', 'text'), ('device_id', 'text'), ('outlet_code', 'text'), ('region_code', 'text'),
        ('state', 'text'), ('read_at', 'timestamptz'), ('picked_up_at', 'timestamptz'),
        ('failure_reason', 'text'), ('updated_at', 'timestamptz'),
    ]) }}
),

renamed as (
    select
        card_no,
        device_id,
        outlet_code,
        region_code,
        state as pickup_state,
        read_at,
        picked_up_at,
        failure_reason,
        updated_at
    from source
)

select * from renamed
