-- 业务统计 by county: mart_card_stats summed over every business day to county × statistic × item —
-- exactly what the 业务统计 bar charts show (their time range is the whole history), so the
-- dashboard reads a few hundred rows instead of the day × kiosk grain.
with stats as (
    select * from {{ ref('mart_card_stats') }}
),

final as (
    select
        ---------- grain
        county_code,
        county_name,
        stat_name,
        stat_item,
        ---------- measure
        sum(value)::bigint as value
    from stats
    group by county_code, county_name, stat_name, stat_item
)

select * from final
