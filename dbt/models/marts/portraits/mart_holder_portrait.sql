-- 持卡人画像（汇总）: one row per as-of date × county × dimension × tag — how many holders carry the
-- tag. Built from the portrait store; list tags (险种, 渠道, 场景, 待遇, 风险) are split so a person
-- counts once under each of their tags. No token, mask or per-person row leaves this model.
with portraits as (
    select * from {{ ref('stg_gold__portraits') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

tags as (
    select as_of_date, county_code, 1 as dimension_order, '合计' as dimension, '持卡人' as tag
    from portraits
    union all
    select as_of_date, county_code, 2, '年龄段', age_band from portraits
    union all
    select as_of_date, county_code, 3, '性别', coalesce(sex, '未知') from portraits
    union all
    select as_of_date, county_code, 4, '参保险种', {{ insurance_type_name('listed.tag') }}
    from portraits, lateral unnest(string_to_array(insured_types, ',')) as listed (tag)
    union all
    select as_of_date, county_code, 5, '活跃渠道', listed.tag
    from portraits, lateral unnest(string_to_array(active_channels, ',')) as listed (tag)
    union all
    select as_of_date, county_code, 6, '使用场景', listed.tag
    from portraits, lateral unnest(string_to_array(scenarios_used, ',')) as listed (tag)
    union all
    select as_of_date, county_code, 7, '待遇类别', listed.tag
    from portraits, lateral unnest(string_to_array(benefit_types, ',')) as listed (tag)
    union all
    select as_of_date, county_code, 8, '风险标识', {{ risk_flag_name('listed.tag') }}
    from portraits, lateral unnest(string_to_array(risk_flags, ',')) as listed (tag)
),

grouped as (
    select
        as_of_date,
        county_code,
        dimension_order,
        dimension,
        tag,
        count(*) as holders
    from tags
    group by as_of_date, county_code, dimension_order, dimension, tag
),

final as (
    select
        ---------- grain
        grouped.as_of_date,
        coalesce(regions.county_code, '000000') as county_code,
        coalesce(regions.county_name, '未知地区') as county_name,
        grouped.dimension_order,
        grouped.dimension,
        grouped.tag,
        ---------- measures
        grouped.holders::integer as holders
    from grouped
    left join regions on grouped.county_code = regions.region_code
)

select * from final
