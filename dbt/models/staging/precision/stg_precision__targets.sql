-- 精准服务目标 (precision_target): one row per person in one strategy run
with source as (
    {{ optional_source('precision', 'raw_precision_target', [
        ('run_id', 'bigint'), ('strategy_id', 'text'), ('strategy_name', 'text'), ('as_of_date', 'date'),
        ('due_on', 'date'), ('channel_id', 'text'), ('person_token', 'text'), ('county_code', 'text'),
        ('is_delivered', 'boolean'), ('outcome', 'text'), ('acted_on', 'date'), ('checked_on', 'date'),
    ]) }}
),

renamed as (
    select
        run_id,
        strategy_id,
        strategy_name,
        as_of_date as run_date,
        due_on,
        channel_id,
        person_token,
        coalesce(county_code, '000000') as county_code,
        is_delivered,
        outcome,
        acted_on,
        checked_on
    from source
)

select * from renamed
