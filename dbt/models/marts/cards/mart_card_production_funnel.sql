-- 制卡流程漏斗: per business day, county and stage — applications that reached the stage, review
-- rejections, hours since the previous stage, and the backlog still waiting for the stage at the
-- end of the day (reached the previous stage, neither this one nor rejected). Days appear where
-- the stage or its previous stage moved; the backlog is cumulative over the whole history.
with stages as (
    select * from {{ ref('int_card_application_stages_unpivoted') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

daily as (
    select
        county_code,
        stage_order,
        stage_date,
        count(*) filter (where not is_rejected) as entered_count,
        count(*) filter (where is_rejected) as rejected_count,
        avg(hours_from_previous) filter (where not is_rejected) as avg_hours_from_previous,
        percentile_cont(0.5) within group (order by hours_from_previous)
            filter (where not is_rejected) as median_hours_from_previous
    from stages
    group by county_code, stage_order, stage_date
),

paired as (
    -- each stage's own day rows, plus its previous stage's days (which move its backlog)
    select county_code, stage_order, stage_date, entered_count, rejected_count, 0 as previous_entered
    from daily
    union all
    select county_code, stage_order + 1, stage_date, 0, 0, entered_count
    from daily
    where stage_order < 7
),

per_day as (
    select
        county_code,
        stage_order,
        stage_date,
        sum(entered_count) as entered_count,
        sum(rejected_count) as rejected_count,
        sum(previous_entered) as previous_entered
    from paired
    group by county_code, stage_order, stage_date
),

with_backlog as (
    select
        *,
        case when stage_order > 1 then
            sum(previous_entered - entered_count - rejected_count) over (
                partition by county_code, stage_order order by stage_date
                rows between unbounded preceding and current row
            )
        end as backlog_count
    from per_day
),

final as (
    select
        ---------- grain
        with_backlog.stage_date,
        with_backlog.county_code,
        coalesce(regions.county_name, '未知地区') as county_name,
        with_backlog.stage_order,
        (array['申请', '审核', '银行开户', '省级制卡', '市级接收', '发往网点', '领卡'])[with_backlog.stage_order]
            as stage_name,
        ---------- measures
        with_backlog.entered_count::integer as entered_count,
        with_backlog.rejected_count::integer as rejected_count,
        round(daily.avg_hours_from_previous::numeric, 2) as avg_hours_from_previous,
        round(daily.median_hours_from_previous::numeric, 2) as median_hours_from_previous,
        with_backlog.backlog_count::integer as backlog_count
    from with_backlog
    left join daily
        on with_backlog.county_code = daily.county_code
        and with_backlog.stage_order = daily.stage_order
        and with_backlog.stage_date = daily.stage_date
    left join regions on with_backlog.county_code = regions.region_code
)

select * from final
