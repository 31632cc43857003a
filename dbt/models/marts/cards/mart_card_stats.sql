-- 业务统计 (设备, 网点, 发卡, 补卡, 换卡, 预制卡, 废卡), long format: one row per business day, place
-- (county → township → outlet → kiosk), statistic and item; the value sums up to any region level.
-- Definitions in int_card_stats_unioned. 发卡/补卡/换卡 come from the card system (every channel);
-- the kiosk figures (设备, 网点, 预制卡, 废卡) are empty until the ops tables reach the lakehouse.
with stats as (
    select * from {{ ref('int_card_stats_unioned') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

located as (
    select
        stats.stat_date,
        coalesce(regions.region_code, '000000') as located_code,
        stats.device_id,
        stats.stat_name,
        stats.stat_item,
        sum(stats.value) as value
    from stats
    left join regions on stats.located_code = regions.region_code
    group by 1, 2, 3, 4, 5
),

final as (
    select
        ---------- grain
        located.stat_date,
        regions.county_code,
        regions.county_name,
        regions.township_code,
        regions.township_name,
        case when regions.region_level = 'outlet' then regions.region_code end as outlet_code,
        case when regions.region_level = 'outlet' then regions.region_name end as outlet_name,
        located.device_id,
        located.stat_name,
        located.stat_item,
        ---------- measure
        located.value::integer as value
    from located
    inner join regions on located.located_code = regions.region_code
)

select * from final
