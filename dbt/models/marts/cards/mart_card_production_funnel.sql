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

per_day as (
    -- each stage's own day rows, beside its previous stage's entries of the same day (which move
    -- its backlog); a day where only one of the two moved has the other side empty
    select
        coalesce(own.county_code, previous.county_code) as county_code,
        coalesce(own.stage_order, previous.stage_order + 1) as stage_order,
        coalesce(own.stage_date, previous.stage_date) as stage_date,
        coalesce(own.entered_count, 0) as entered_count,
        coalesce(own.rejected_count, 0) as rejected_count,
        coalesce(previous.entered_count, 0) as previous_entered,
        own.avg_hours_from_previous,
        own.median_hours_from_previous
    from daily as own
    full outer join (select * from daily where stage_order < 7) as previous
        on own.county_code = previous.county_code
        and own.stage_order = previous.stage_order + 1
        and own.stage_date = previous.stage_date
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
        round(with_backlog.avg_hours_from_previous::numeric, 2) as avg_hours_from_previous,
        round(with_backlog.median_hours_from_previous::numeric, 2) as median_hours_from_previous,
        with_backlog.backlog_count::integer as backlog_count
    from with_backlog
    left join regions on with_backlog.county_code = regions.region_code
)

select * from final
