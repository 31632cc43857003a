-- 问题卡精准服务: problem cards as of the business date per category, county and township (乡镇/街道).
-- Counts only: no card number or person leaves the intermediate layer.
with flagged as (
    select * from {{ ref('int_problem_cards_flagged') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

located as (
    select
        flagged.problem,
        coalesce(regions.county_code, '000000') as county_code,
        regions.township_code
    from flagged
    left join regions on flagged.located_code = regions.region_code
),

counted as (
    select problem, county_code, township_code, count(*) as cards
    from located
    group by problem, county_code, township_code
),

final as (
    select
        ---------- grain
        as_of.as_of_date,
        counted.problem as problem_category,
        counted.county_code,
        county.county_name,
        counted.township_code,
        township.region_name as township_name,
        ---------- measures
        counted.cards::integer as cards
    from counted
    cross join as_of
    left join regions as county on counted.county_code = county.region_code
    left join regions as township on counted.township_code = township.region_code
)

select * from final
