-- 发卡统计: cards handed over per business day, outlet (网点), kiosk and kind (发卡 / 补卡 / 换卡).
-- A card collected without a known outlet counts under its applicant's county (or 000000 未知地区).
with issuances as (
    select * from {{ ref('int_card_issuances_classified') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

located as (
    select
        issuances.*,
        coalesce(regions.region_code, '000000') as located_code
    from issuances
    left join regions on issuances.outlet_code = regions.region_code
),

daily as (
    select
        issue_date,
        located_code,
        device_id,
        issue_type,
        count(*) as cards
    from located
    group by issue_date, located_code, device_id, issue_type
),

final as (
    select
        ---------- grain
        daily.issue_date,
        regions.county_code,
        regions.county_name,
        regions.township_code,
        regions.township_name,
        case when regions.region_level = 'outlet' then regions.region_code end as outlet_code,
        case when regions.region_level = 'outlet' then regions.region_name end as outlet_name,
        daily.device_id,
        daily.issue_type,
        ---------- measures
        daily.cards::integer as cards
    from daily
    inner join regions on daily.located_code = regions.region_code
)

select * from final
