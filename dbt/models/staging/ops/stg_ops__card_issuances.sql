-- 设备发卡记录 (card_issuance): issue_type 领卡 / 补卡 / 换卡
with source as (
    {{ optional_source('ops', 'raw_ops_card_issuance', [
        ('id', 'bigint'), ('device_id', 'text'), ('event_id', 'text'), ('outlet_code', 'text'),
        ('region_code', 'text'), ('issue_type', 'text'), ('card_no', 'text'), ('old_card_no', 'text'),
        ('issued_at', 'timestamptz'),
    ]) }}
),

renamed as (
    select
        id as issuance_id,
        device_id,
        event_id,
        outlet_code,
        region_code,
        issue_type,
        card_no,
        old_card_no,
        issued_at
    from source
)

select * from renamed
