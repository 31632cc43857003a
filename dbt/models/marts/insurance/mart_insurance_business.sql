-- 社保业务数据态势: business events per business day, county, category and type, with amounts.
with business as (
    select * from {{ ref('int_insurance_business_unioned') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

daily as (
    select
        business_date,
        county_code,
        business_category,
        business_type,
        count(*) as business_count,
        coalesce(sum(amount), 0) as amount
    from business
    group by business_date, county_code, business_category, business_type
),

final as (
    select
        ---------- grain
        daily.business_date,
        daily.county_code,
        coalesce(regions.county_name, '未知地区') as county_name,
        daily.business_category,
        daily.business_type,
        ---------- measures
        daily.business_count::integer as business_count,
        daily.amount
    from daily
    left join regions on daily.county_code = regions.region_code
)

select * from final
