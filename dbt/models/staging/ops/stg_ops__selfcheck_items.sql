-- 开机自检明细 (terminal_selfcheck_item): one row per component per boot self-check
with source as (
    {{ optional_source('ops', 'raw_ops_terminal_selfcheck_item', [
        ('selfcheck_id', 'bigint'), ('component', 'text'), ('device_id', 'text'),
        ('checked_at', 'timestamptz'), ('result', 'text'), ('level', 'integer'), ('code', 'text'),
    ]) }}
),

renamed as (
    select
        selfcheck_id,
        component,
        device_id,
        checked_at,
        result as check_result,
        result = '正常' as is_ok,
        level as consumable_level,
        code as fault_code
    from source
)

select * from renamed
