"""渠道分析 (seed 5.2) and 持卡人画像 (seed 5.4): their datasets, charts and dashboards.

Kept beside `declaration.py`, which appends these to its DATASETS, CHARTS and DASHBOARDS. Every
dataset is an aggregate mart (`dbt/models/marts/channels/`, `…/portraits/`) with a county column
for the row-level security; none holds a token, a mask or a per-person row.
"""

from __future__ import annotations

from superset_assets.model import Chart, Column, Dashboard, Dataset, Filter, Metric

COUNTY = (Column("county_code", "VARCHAR", "区县代码"), Column("county_name", "VARCHAR", "区县"))
CHANNEL = Column("channel", "VARCHAR", "渠道")

DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "mart_channel_access",
        "渠道访问",
        (
            Column("request_date", "DATE", "日期"),
            CHANNEL,
            Column("actor_kind", "VARCHAR", "主体类别代码"),
            Column("actor_kind_name", "VARCHAR", "主体类别"),
            *COUNTY,
            Column("requests", "INTEGER", "请求数"),
            Column("actors", "INTEGER", "主体数"),
            Column("errors", "INTEGER", "出错请求数"),
            Column("avg_latency_ms", "NUMERIC", "平均耗时（毫秒）"),
        ),
        (
            Metric("requests_total", "SUM(requests)", "请求数", ",d"),
            Metric("error_rate", "SUM(errors) * 1.0 / NULLIF(SUM(requests), 0)", "出错率", ".2%"),
        ),
    ),
    Dataset(
        "mart_channel_usage_heat",
        "使用热度",
        (
            Column("request_date", "DATE", "日期"),
            *COUNTY,
            Column("module", "VARCHAR", "子系统模块"),
            Column("request_hour", "INTEGER", "时段（时）"),
            Column("requests", "INTEGER", "请求数"),
            Column("actors", "INTEGER", "主体数"),
        ),
        (Metric("heat_requests", "SUM(requests)", "请求数", ",d"),),
    ),
    Dataset(
        "mart_channel_behaviour",
        "用户行为",
        (
            Column("session_date", "DATE", "日期"),
            CHANNEL,
            Column("actor_kind", "VARCHAR", "主体类别"),
            *COUNTY,
            Column("sessions", "INTEGER", "会话数"),
            Column("visitors", "INTEGER", "访问主体数"),
            Column("returning_visitors", "INTEGER", "重复使用主体数"),
            Column("requests", "INTEGER", "请求数"),
            Column("duration_seconds", "NUMERIC", "会话总时长（秒）"),
        ),
        (
            Metric("sessions_total", "SUM(sessions)", "会话数", ",d"),
            Metric(
                "requests_per_session",
                "SUM(requests) * 1.0 / NULLIF(SUM(sessions), 0)",
                "每会话请求数",
                ".1f",
            ),
            Metric(
                "session_minutes",
                "SUM(duration_seconds) / 60.0 / NULLIF(SUM(sessions), 0)",
                "平均会话时长（分）",
                ".1f",
            ),
            Metric(
                "returning_share",
                "SUM(returning_visitors) * 1.0 / NULLIF(SUM(visitors), 0)",
                "重复使用占比",
                ".1%",
            ),
        ),
    ),
    Dataset(
        "mart_channel_funnel",
        "线上申请漏斗",
        (
            Column("session_date", "DATE", "日期"),
            CHANNEL,
            *COUNTY,
            Column("step_order", "INTEGER", "步骤序号"),
            Column("step_name", "VARCHAR", "步骤"),
            Column("step_label", "VARCHAR", "步骤（按顺序）", expression="step_order || '.' || step_name"),
            Column("sessions", "INTEGER", "会话数"),
        ),
        (Metric("funnel_sessions", "SUM(sessions)", "会话数", ",d"),),
    ),
    Dataset(
        "mart_api_call_stats",
        "接口调用统计",
        (
            Column("request_date", "DATE", "日期"),
            *COUNTY,
            Column("module", "VARCHAR", "子系统模块"),
            Column("endpoint", "VARCHAR", "接口路径"),
            Column("method", "VARCHAR", "方法"),
            Column("interface_name", "VARCHAR", "接口"),
            Column("calls", "INTEGER", "调用次数"),
            Column("errors", "INTEGER", "出错次数"),
            Column("server_errors", "INTEGER", "服务端错误次数"),
            Column("p50_ms", "NUMERIC", "耗时 p50（毫秒）"),
            Column("p95_ms", "NUMERIC", "耗时 p95（毫秒）"),
            Column("p99_ms", "NUMERIC", "耗时 p99（毫秒）"),
            Column("avg_ms", "NUMERIC", "平均耗时（毫秒）"),
        ),
        (
            Metric("calls_total", "SUM(calls)", "调用次数", ",d"),
            Metric("call_error_rate", "SUM(errors) * 1.0 / NULLIF(SUM(calls), 0)", "出错率", ".2%"),
            Metric("mean_ms", "SUM(avg_ms * calls) / NULLIF(SUM(calls), 0)", "平均耗时（毫秒）", ".1f"),
            Metric("p95_highest", "MAX(p95_ms)", "p95 耗时（各日各区县最高，毫秒）", ".1f"),
            Metric("p99_highest", "MAX(p99_ms)", "p99 耗时（各日各区县最高，毫秒）", ".1f"),
        ),
    ),
    Dataset(
        "mart_holder_portrait",
        "持卡人画像（汇总）",
        (
            Column("as_of_date", "DATE", "统计日期"),
            *COUNTY,
            Column("dimension_order", "INTEGER", "维度序号"),
            Column("dimension", "VARCHAR", "画像维度"),
            Column("tag", "VARCHAR", "标签"),
            Column("holders", "INTEGER", "人数"),
        ),
        (Metric("holders_total", "SUM(holders)", "人数", ",d"),),
    ),
    Dataset(
        "mart_trajectory_summary",
        "用卡轨迹汇总",
        (
            Column("trajectory_month", "DATE", "月份"),
            *COUNTY,
            Column("trajectory_kind", "VARCHAR", "轨迹类别"),
            Column("holders", "INTEGER", "持卡人数"),
            Column("events", "INTEGER", "用卡次数"),
            Column("successful_events", "INTEGER", "成功次数"),
            Column("amount_total", "NUMERIC", "金额（元）"),
        ),
        (
            Metric("trajectory_events", "SUM(events)", "用卡次数", ",d"),
            Metric("trajectory_amount", "SUM(amount_total)", "金额（元）", ",.2f"),
        ),
    ),
)


def _portrait_chart(key: str, title: str, dimension: str, viz: str = "bar", width: int = 4) -> Chart:
    return Chart(
        key,
        title,
        "mart_holder_portrait",
        viz,  # type: ignore[arg-type]
        ("holders_total",),
        x="tag",
        filters=(Filter("dimension", "==", dimension),),
        width=width,
    )


CHARTS: tuple[Chart, ...] = (
    # 渠道分析
    Chart("channel_requests", "访问请求总数", "mart_channel_access", "big_number", ("requests_total",)),
    Chart("channel_sessions", "会话总数", "mart_channel_behaviour", "big_number", ("sessions_total",)),
    Chart("channel_errors", "请求出错率", "mart_channel_access", "big_number", ("error_rate",)),
    Chart(
        "channel_by_channel",
        "各渠道访问量（按主体类别）",
        "mart_channel_access",
        "bar",
        ("requests_total",),
        x="channel",
        series=("actor_kind_name",),
        width=6,
    ),
    Chart(
        "channel_trend",
        "每日访问量（按渠道）",
        "mart_channel_access",
        "line",
        ("requests_total",),
        x="request_date",
        series=("channel",),
        width=6,
    ),
    Chart(
        "channel_heat_hour",
        "使用热度：各时段请求数（按模块）",
        "mart_channel_usage_heat",
        "bar",
        ("heat_requests",),
        x="request_hour",
        series=("module",),
        width=8,
    ),
    Chart(
        "channel_heat_module",
        "各子系统模块请求数",
        "mart_channel_usage_heat",
        "bar",
        ("heat_requests",),
        x="module",
        horizontal=True,
        width=4,
    ),
    Chart(
        "channel_funnel",
        "线上申请漏斗（访问 → 进入申请 → 提交 → 审核通过）",
        "mart_channel_funnel",
        "bar",
        ("funnel_sessions",),
        x="step_label",
        series=("channel",),
        width=6,
    ),
    Chart(
        "channel_behaviour",
        "各渠道用户行为：每会话请求数、会话时长",
        "mart_channel_behaviour",
        "bar",
        ("requests_per_session", "session_minutes"),
        x="channel",
        width=6,
    ),
    Chart(
        "channel_returning",
        "各渠道重复使用占比",
        "mart_channel_behaviour",
        "bar",
        ("returning_share",),
        x="channel",
        width=4,
    ),
    Chart(
        "channel_by_county",
        "各区县访问量（按登录地）",
        "mart_channel_access",
        "bar",
        ("requests_total",),
        x="county_name",
        series=("channel",),
        width=8,
    ),
    Chart(
        "channel_interfaces",
        "接口调用统计（调用次数、出错率、耗时百分位）",
        "mart_api_call_stats",
        "table",
        ("calls_total", "call_error_rate", "mean_ms", "p95_highest", "p99_highest"),
        columns=("module", "interface_name"),
        row_limit=50,
        width=12,
    ),
    # 持卡人画像
    Chart(
        "portrait_holders",
        "持卡人总数",
        "mart_holder_portrait",
        "big_number",
        ("holders_total",),
        filters=(Filter("dimension", "==", "合计"),),
    ),
    _portrait_chart("portrait_sex", "性别构成", "性别", "pie"),
    _portrait_chart("portrait_age", "年龄段分布", "年龄段"),
    Chart(
        "portrait_county",
        "各区县持卡人",
        "mart_holder_portrait",
        "bar",
        ("holders_total",),
        x="county_name",
        filters=(Filter("dimension", "==", "合计"),),
        width=6,
    ),
    _portrait_chart("portrait_insured", "参保险种", "参保险种", "pie", width=6),
    _portrait_chart("portrait_channels", "活跃渠道（近 90 天）", "活跃渠道"),
    _portrait_chart("portrait_scenarios", "使用场景（近 90 天）", "使用场景"),
    _portrait_chart("portrait_benefits", "待遇类别", "待遇类别"),
    _portrait_chart("portrait_risks", "风险标识（精准服务对象）", "风险标识", width=6),
    Chart(
        "portrait_trajectories",
        "每月用卡次数（按轨迹类别）",
        "mart_trajectory_summary",
        "line",
        ("trajectory_events",),
        x="trajectory_month",
        series=("trajectory_kind",),
        width=6,
    ),
)

DASHBOARDS: tuple[Dashboard, ...] = (
    Dashboard(
        "channel-analytics",
        "渠道分析",
        (
            ("channel_requests", "channel_sessions", "channel_errors"),
            ("channel_by_channel", "channel_trend"),
            ("channel_heat_hour", "channel_heat_module"),
            ("channel_funnel", "channel_behaviour"),
            ("channel_returning", "channel_by_county"),
            ("channel_interfaces",),
        ),
        description="公共服务渠道管理（seed 5.2）：接入渠道、使用热度、用户行为与申请漏斗、接口调用统计。",
    ),
    Dashboard(
        "holder-portrait",
        "持卡人画像",
        (
            ("portrait_holders", "portrait_sex", "portrait_age"),
            ("portrait_county", "portrait_insured"),
            ("portrait_channels", "portrait_scenarios", "portrait_benefits"),
            ("portrait_risks", "portrait_trajectories"),
        ),
        description="持卡人画像汇总（seed 5.4）：只显示各标签人数，不含任何个人信息。",
    ),
)
