-- 制卡积压与驳回 by county and stage: the backlog on the funnel's newest day (city-wide newest
-- stage_date, as the dashboard has always read it; empty where the county had no row that day) and
-- the rejections over the whole history — the 各环节当前积压与累计驳回 chart without scanning every day.
with funnel as (
    select * from {{ ref('mart_card_production_funnel') }}
),

newest as (
    select max(stage_date) as stage_date from funnel
),

final as (
    select
        ---------- grain
        funnel.county_code,
        funnel.county_name,
        funnel.stage_order,
        funnel.stage_name,
        ---------- measures
        sum(funnel.backlog_count) filter (where funnel.stage_date = newest.stage_date)::bigint
            as backlog_count,
        sum(funnel.rejected_count)::bigint as rejected_count
    from funnel
    cross join newest
    group by funnel.county_code, funnel.county_name, funnel.stage_order, funnel.stage_name
)

select * from final
