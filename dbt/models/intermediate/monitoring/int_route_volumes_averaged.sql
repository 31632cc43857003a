-- 数据量: each route's rows per logical date against its trailing average over the previous
-- `trailing_days` days (by date, so a missing day shortens the window instead of stretching it).
with batches as (
    select * from {{ ref('stg_pipeline__batches') }}
),

averaged as (
    select
        route_id,
        source_system,
        source_table,
        logical_date,
        batch_status,
        source_rows,
        bronze_rows,
        round(avg(bronze_rows) over (
            partition by route_id
            order by logical_date
            range between interval '{{ var("trailing_days") }} days' preceding and interval '1 day' preceding
        ), 2) as trailing_avg_rows,
        count(bronze_rows) over (
            partition by route_id
            order by logical_date
            range between interval '{{ var("trailing_days") }} days' preceding and interval '1 day' preceding
        )::integer as trailing_days_seen
    from batches
),

with_ratio as (
    select
        *,
        round(bronze_rows / nullif(trailing_avg_rows, 0), 4) as volume_ratio
    from averaged
)

select * from with_ratio
