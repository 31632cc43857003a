-- 预制卡使用记录 (card_blank_usage): usage 制卡 (a card made) or 废卡 (a waste card)
with source as (
    {{ optional_source('ops', 'raw_ops_card_blank_usage', [
        ('id', 'bigint'), ('device_id', 'text'), ('event_id', 'text'), ('outlet_code', 'text'),
        ('region_code', 'text'), ('usage', 'text'), ('quantity', 'integer'), ('card_no', 'text'),
        ('occurred_at', 'timestamptz'),
    ]) }}
),

renamed as (
    select
        id as usage_id,
        device_id,
        event_id,
        outlet_code,
        region_code,
        usage as usage_kind,
        quantity,
        card_no,
        occurred_at
    from source
)

select * from renamed
