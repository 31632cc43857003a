-- 精准服务成效: per strategy run (strategy × run date) and county, the people targeted, the tasks
-- delivered and what they did within the strategy's N days. Counts only: no person leaves staging.
with targets as (
    select * from {{ ref('stg_precision__targets') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

counted as (
    select
        strategy_id,
        strategy_name,
        run_date,
        due_on,
        county_code,
        count(*) as targets,
        count(*) filter (where is_delivered) as delivered,
        count(*) filter (where outcome = '已办理') as acted,
        count(*) filter (where outcome = '未办理') as not_acted,
        count(*) filter (where outcome = '待观察') as pending,
        sum(acted_on - run_date) filter (where outcome = '已办理') as days_to_act_total
    from targets
    group by strategy_id, strategy_name, run_date, due_on, county_code
),

final as (
    select
        ---------- grain
        counted.strategy_id,
        counted.strategy_name,
        counted.run_date,
        counted.due_on,
        counted.county_code,
        coalesce(regions.region_name, '未知地区') as county_name,
        ---------- measures
        counted.targets::integer as targets,
        counted.delivered::integer as delivered,
        counted.acted::integer as acted,
        counted.not_acted::integer as not_acted,
        counted.pending::integer as pending,
        coalesce(counted.days_to_act_total, 0)::integer as days_to_act_total
    from counted
    left join regions on counted.county_code = regions.region_code
)

select * from final
