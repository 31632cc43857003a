-- 行政区划维表: every region of the seed plus the missing member 000000 (未知地区), so facts whose
-- code is unknown or empty still join and show up under 未知 instead of disappearing.
with regions as (
    select * from {{ ref('ref_region') }}
),

missing_member as (
    select
        '000000'::text as region_code,
        '未知地区'::text as region_name,
        'unknown'::text as region_level,
        null::text as parent_code,
        '000000'::text as county_code,
        '未知地区'::text as county_name,
        null::text as township_code,
        null::text as township_name,
        '未知地区'::text as full_name
),

unioned as (
    select
        region_code::text,
        region_name::text,
        region_level::text,
        nullif(parent_code::text, '') as parent_code,
        -- the city's own rows count as the city (511100) for county-level filters
        coalesce(nullif(county_code::text, ''), region_code::text) as county_code,
        coalesce(nullif(county_name::text, ''), region_name::text) as county_name,
        nullif(township_code::text, '') as township_code,
        nullif(township_name::text, '') as township_name,
        full_name::text
    from regions
    union all
    select * from missing_member
)

select * from unioned
