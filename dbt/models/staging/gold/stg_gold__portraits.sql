-- 个人画像库 (gold.portrait): tags per person; list tags are comma-joined text
with source as (
    {{ optional_source('gold', 'raw_gold_portrait', [
        ('id_token', 'text'), ('sex', 'text'), ('age_band', 'text'), ('county_code', 'text'),
        ('insured_types', 'text'), ('active_channels', 'text'), ('scenarios_used', 'text'),
        ('benefit_types', 'text'), ('risk_flags', 'text'), ('as_of_date', 'date'),
    ]) }}
),

renamed as (
    select
        id_token,
        sex,
        coalesce(age_band, '未知') as age_band,
        coalesce(county_code, '000000') as county_code,
        nullif(insured_types, '') as insured_types,
        nullif(active_channels, '') as active_channels,
        nullif(scenarios_used, '') as scenarios_used,
        nullif(benefit_types, '') as benefit_types,
        nullif(risk_flags, '') as risk_flags,
        as_of_date
    from source
)

select * from renamed
