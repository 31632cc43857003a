-- 数据源监测: one row per exchange route (source system and table) and logical date — the batch's
-- status and volume against its trailing average, the source's freshness and alerts, and whether
-- the route reconciled (source = bronze = silver + 隔离区).
with volumes as (
    select * from {{ ref('int_route_volumes_averaged') }}
),

monitors as (
    select * from {{ ref('stg_pipeline__source_monitors') }}
),

alerts as (
    select * from {{ ref('stg_pipeline__alerts') }}
),

reconciliations as (
    select * from {{ ref('stg_pipeline__reconciliations') }}
),

alerts_per_source as (
    select
        source_system,
        logical_date,
        count(*) as alert_count,
        string_agg(alert_kind, ',' order by alert_kind) as alert_kinds,
        bool_or(severity = 'critical') as has_critical_alert
    from alerts
    group by source_system, logical_date
),

final as (
    select
        ---------- grain
        volumes.logical_date,
        volumes.source_system,
        coalesce(monitors.source_title, volumes.source_system) as source_title,
        volumes.source_table,
        volumes.route_id,
        reconciliations.dataset,
        ---------- batch and volume
        volumes.batch_status,
        volumes.source_rows,
        volumes.bronze_rows,
        round(volumes.trailing_avg_rows, 2) as trailing_avg_rows,
        volumes.trailing_days_seen::integer as trailing_days_seen,
        volumes.volume_ratio,
        ---------- freshness (per source system)
        round(monitors.freshness_hours::numeric, 2) as freshness_hours,
        monitors.late_after_hours,
        coalesce(monitors.is_late, false) as is_late,
        coalesce(monitors.is_volume_off, false) as is_source_volume_off,
        ---------- alerts (per source system)
        coalesce(alerts_per_source.alert_count, 0)::integer as alert_count,
        alerts_per_source.alert_kinds,
        coalesce(alerts_per_source.has_critical_alert, false) as has_critical_alert,
        ---------- reconciliation (per route)
        case
            when reconciliations.route_id is null then '未对账'
            when reconciliations.is_reconciled then '一致'
            else '不一致'
        end as reconciliation_status,
        reconciliations.silver_rows,
        reconciliations.quarantine_rows
    from volumes
    left join monitors
        on volumes.source_system = monitors.source_system
        and volumes.logical_date = monitors.logical_date
    left join alerts_per_source
        on volumes.source_system = alerts_per_source.source_system
        and volumes.logical_date = alerts_per_source.logical_date
    left join reconciliations
        on volumes.route_id = reconciliations.route_id
        and volumes.logical_date = reconciliations.logical_date
)

select * from final
