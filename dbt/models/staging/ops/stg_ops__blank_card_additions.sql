-- 预制卡添加记录 (card_blank_addition)
with source as (
    {{ optional_source('ops', 'raw_ops_card_blank_addition', [
        ('id', 'bigint'), ('device_id', 'text'), ('outlet_code', 'text'), ('region_code', 'text'),
        ('quantity', 'integer'), ('added_at', 'timestamptz'),
    ]) }}
),

renamed as (
    select
        id as addition_id,
        device_id,
        outlet_code,
        region_code,
        quantity,
        added_at
    from source
)

select * from renamed
