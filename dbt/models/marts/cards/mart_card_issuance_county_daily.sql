-- 发卡统计 by county and day: mart_card_issuance_daily summed over outlets and kiosks — the grain of
-- the 制发卡业务监控 charts (daily trend by kind, counties by kind), with county_code for the
-- row-level security filter.
with issuance as (
    select * from {{ ref('mart_card_issuance_daily') }}
),

final as (
    select
        ---------- grain
        issue_date,
        county_code,
        county_name,
        issue_type,
        ---------- measure
        sum(cards)::bigint as cards
    from issuance
    group by issue_date, county_code, county_name, issue_type
)

select * from final
