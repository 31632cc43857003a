"""What the city sees in Superset: the datasets (marts), charts and the seven dashboards.

Column names follow the dbt marts in `dbt/models/marts/` (schema `marts` of database `analytics`);
`tests/superset/test_bundle.py` fails when a chart names a column the mart does not have.
"""

from __future__ import annotations

from superset_assets import declaration_channels as channels
from superset_assets.model import Chart, Column, Dashboard, Dataset, Filter, Metric

COUNTY = (Column("county_code", "VARCHAR", "区县代码"), Column("county_name", "VARCHAR", "区县"))
TOWNSHIP = (
    Column("township_code", "VARCHAR", "乡镇（街道）代码"),
    Column("township_name", "VARCHAR", "乡镇（街道）"),
)
OUTLET = (Column("outlet_code", "VARCHAR", "网点代码"), Column("outlet_name", "VARCHAR", "网点"))

# The seven statistics of seed 2.5, in the order the city lists them.
CARD_STATS = ("设备", "网点", "发卡", "补卡", "换卡", "预制卡", "废卡")


def latest(table: str, column: str) -> str:
    """SQL: this row is on the mart's newest date (for snapshots and running totals)."""
    return f"{column} = (select max({column}) from marts.{table})"


DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "mart_card_issuance_daily",
        "发卡明细（日）",
        (
            Column("issue_date", "DATE", "日期"),
            *COUNTY,
            *TOWNSHIP,
            *OUTLET,
            Column("device_id", "VARCHAR", "设备编号"),
            Column("issue_type", "VARCHAR", "业务类型"),
            Column("cards", "INTEGER", "卡数"),
        ),
        (Metric("cards_total", "SUM(cards)", "卡数", ",d"),),
    ),
    Dataset(
        "mart_card_stats",
        "业务统计（七项）",
        (
            Column("stat_date", "DATE", "日期"),
            *COUNTY,
            *TOWNSHIP,
            *OUTLET,
            Column("device_id", "VARCHAR", "设备编号"),
            Column("stat_name", "VARCHAR", "统计项"),
            Column("stat_item", "VARCHAR", "细项"),
            Column("value", "INTEGER", "数值"),
        ),
        (Metric("stat_total", "SUM(value)", "数量", ",d"),),
    ),
    Dataset(
        "mart_card_production_funnel",
        "制卡进度漏斗",
        (
            Column("stage_date", "DATE", "日期"),
            *COUNTY,
            Column("stage_order", "INTEGER", "环节序号"),
            Column("stage_name", "VARCHAR", "制卡环节"),
            Column(
                "stage_label", "VARCHAR", "制卡环节（按顺序）", expression="stage_order || '.' || stage_name"
            ),
            Column("entered_count", "INTEGER", "到达数"),
            Column("rejected_count", "INTEGER", "驳回数"),
            Column("avg_hours_from_previous", "NUMERIC", "距上一环节平均用时（小时）"),
            Column("backlog_count", "INTEGER", "积压数"),
        ),
        (
            Metric("entered_total", "SUM(entered_count)", "到达数", ",d"),
            Metric("rejected_total", "SUM(rejected_count)", "驳回数", ",d"),
            Metric(
                "backlog_now",
                f"SUM(backlog_count) FILTER (WHERE {latest('mart_card_production_funnel', 'stage_date')})",
                "当前积压数",
                ",d",
            ),
            Metric("avg_stage_hours", "AVG(avg_hours_from_previous)", "平均用时（小时）", ".1f"),
        ),
    ),
    Dataset(
        "mart_card_issuance_county_daily",
        "发卡（按县按日）",
        (
            Column("issue_date", "DATE", "日期"),
            *COUNTY,
            Column("issue_type", "VARCHAR", "业务类型"),
            Column("cards", "BIGINT", "卡数"),
        ),
        (Metric("cards_total", "SUM(cards)", "卡数", ",d"),),
    ),
    Dataset(
        "mart_card_stats_by_county",
        "业务统计（七项，按区县）",
        (
            *COUNTY,
            Column("stat_name", "VARCHAR", "统计项"),
            Column("stat_item", "VARCHAR", "细项"),
            Column("value", "BIGINT", "数值"),
        ),
        (Metric("stat_total", "SUM(value)", "数量", ",d"),),
    ),
    Dataset(
        "mart_card_production_backlog",
        "制卡积压与驳回（按县按环节）",
        (
            *COUNTY,
            Column("stage_order", "INTEGER", "环节序号"),
            Column("stage_name", "VARCHAR", "制卡环节"),
            Column(
                "stage_label", "VARCHAR", "制卡环节（按顺序）", expression="stage_order || '.' || stage_name"
            ),
            Column("backlog_count", "BIGINT", "当前积压数"),
            Column("rejected_count", "BIGINT", "累计驳回数"),
        ),
        (
            Metric("backlog_now", "SUM(backlog_count)", "当前积压数", ",d"),
            Metric("rejected_total", "SUM(rejected_count)", "驳回数", ",d"),
        ),
    ),
    Dataset(
        "mart_online_application",
        "线上申领",
        (
            Column("apply_date", "DATE", "申领日期"),
            *COUNTY,
            Column("channel", "VARCHAR", "申领渠道"),
            Column("is_online", "BOOLEAN", "线上渠道"),
            Column("applications", "INTEGER", "申领数"),
            Column("succeeded", "INTEGER", "已制卡数"),
            Column("rejected", "INTEGER", "审核不通过数"),
            Column("median_days_to_card", "NUMERIC", "申领到制卡中位天数"),
        ),
        (
            Metric("applications_total", "SUM(applications)", "申领数", ",d"),
            Metric("succeeded_total", "SUM(succeeded)", "已制卡数", ",d"),
            Metric(
                "success_rate",
                "SUM(succeeded) * 1.0 / NULLIF(SUM(succeeded) + SUM(rejected), 0)",
                "成功率",
                ".1%",
            ),
            Metric("median_days_to_card", "AVG(median_days_to_card)", "制卡用时（天）", ".1f"),
        ),
    ),
    Dataset(
        "mart_problem_card",
        "问题卡",
        (
            Column("as_of_date", "DATE", "统计日期"),
            Column("problem_category", "VARCHAR", "问题类别"),
            *COUNTY,
            *TOWNSHIP,
            Column("cards", "INTEGER", "卡数"),
        ),
        (Metric("problem_cards", "SUM(cards)", "问题卡数", ",d"),),
    ),
    Dataset(
        "mart_precision_service",
        "精准服务成效",
        (
            Column("strategy_id", "VARCHAR", "策略编号"),
            Column("strategy_name", "VARCHAR", "服务策略"),
            Column("run_date", "DATE", "运行日期"),
            Column("due_on", "DATE", "观察期截止"),
            *COUNTY,
            Column("targets", "INTEGER", "目标人数"),
            Column("delivered", "INTEGER", "已投递待办"),
            Column("acted", "INTEGER", "已办理"),
            Column("not_acted", "INTEGER", "未办理"),
            Column("pending", "INTEGER", "观察中"),
            Column("days_to_act_total", "INTEGER", "办理天数合计"),
        ),
        (
            Metric("precision_targets", "SUM(targets)", "服务目标人数", ",d"),
            Metric("precision_delivered", "SUM(delivered)", "已投递待办", ",d"),
            Metric("precision_acted", "SUM(acted)", "已办理", ",d"),
            Metric("precision_not_acted", "SUM(not_acted)", "未办理", ",d"),
            Metric("precision_pending", "SUM(pending)", "观察中", ",d"),
            Metric("precision_act_rate", "SUM(acted) * 1.0 / NULLIF(SUM(targets), 0)", "办理率", ".1%"),
            Metric(
                "precision_days_to_act",
                "SUM(days_to_act_total) * 1.0 / NULLIF(SUM(acted), 0)",
                "平均办理天数",
                ".1f",
            ),
        ),
    ),
    Dataset(
        "mart_pension_receipt",
        "养老待遇领取",
        (
            Column("pay_month", "DATE", "月份"),
            *COUNTY,
            Column("pension_group", "VARCHAR", "养老群体"),
            Column("recipients", "INTEGER", "领取人数"),
            Column("payments", "INTEGER", "发放笔数"),
            Column("amount", "NUMERIC", "发放金额（元）"),
            Column("paid_to_card_payments", "INTEGER", "发放到社保卡笔数"),
        ),
        (
            Metric(
                "recipients_latest",
                f"SUM(recipients) FILTER (WHERE {latest('mart_pension_receipt', 'pay_month')})",
                "本月领取人数",
                ",d",
            ),
            Metric("amount_total", "SUM(amount)", "发放金额（元）", ",.2f"),
            Metric(
                "paid_to_card_share",
                "SUM(paid_to_card_payments) * 1.0 / NULLIF(SUM(payments), 0)",
                "发放到社保卡占比",
                ".1%",
            ),
        ),
    ),
    Dataset(
        "mart_insurance_business",
        "社保业务",
        (
            Column("business_date", "DATE", "日期"),
            *COUNTY,
            Column("business_category", "VARCHAR", "业务大类"),
            Column("business_type", "VARCHAR", "业务类型"),
            Column("business_count", "INTEGER", "笔数"),
            Column("amount", "NUMERIC", "金额（元）"),
        ),
        (
            Metric("business_total", "SUM(business_count)", "笔数", ",d"),
            Metric("business_amount", "SUM(amount)", "金额（元）", ",.2f"),
        ),
    ),
    Dataset(
        "mart_source_monitoring",
        "数据源监测",
        (
            Column("logical_date", "DATE", "日期"),
            Column("source_system", "VARCHAR", "数据源代码"),
            Column("source_title", "VARCHAR", "数据源"),
            Column("source_table", "VARCHAR", "表"),
            Column("batch_status", "VARCHAR", "批次状态"),
            Column("bronze_rows", "BIGINT", "入湖行数"),
            Column("volume_ratio", "NUMERIC", "数据量 / 近期日均"),
            Column("freshness_hours", "NUMERIC", "数据时效（小时）"),
            Column("alert_count", "INTEGER", "告警数"),
            Column("reconciliation_status", "VARCHAR", "对账状态"),
        ),
        (
            Metric("rows_total", "SUM(bronze_rows)", "入湖行数", ",d"),
            Metric(
                "alerts_latest",
                f"MAX(alert_count) FILTER (WHERE {latest('mart_source_monitoring', 'logical_date')})",
                "最近一日告警数",
                ",d",
            ),
            Metric(
                "unreconciled_latest",
                "COUNT(*) FILTER (WHERE reconciliation_status = '不一致' AND "
                f"{latest('mart_source_monitoring', 'logical_date')})",
                "最近一日对账不一致的表",
                ",d",
            ),
            Metric("max_freshness_hours", "MAX(freshness_hours)", "最长时效（小时）", ".1f"),
            Metric("max_volume_ratio", "MAX(volume_ratio)", "数据量 / 近期日均（最高）", ".2f"),
        ),
        region_column=None,
    ),
    Dataset(
        "mart_terminal_status",
        "终端运行状态",
        (
            Column("status_date", "DATE", "日期"),
            *COUNTY,
            *OUTLET,
            Column("device_id", "VARCHAR", "设备编号"),
            Column("device_type", "VARCHAR", "设备类型"),
            Column("online_rate", "NUMERIC", "在线率"),
            Column("running_rate", "NUMERIC", "运行率"),
            Column("fault_rate", "NUMERIC", "故障率"),
            Column("faults_started", "INTEGER", "故障次数"),
            Column("alarms_raised", "INTEGER", "告警次数"),
        ),
        (
            Metric("devices", "COUNT(DISTINCT device_id)", "设备数", ",d"),
            Metric("avg_online_rate", "AVG(online_rate)", "在线率", ".1%"),
            Metric("avg_running_rate", "AVG(running_rate)", "运行率", ".1%"),
            Metric("avg_fault_rate", "AVG(fault_rate)", "故障率", ".1%"),
            Metric("faults_total", "SUM(faults_started)", "故障次数", ",d"),
            Metric("alarms_total", "SUM(alarms_raised)", "告警次数", ",d"),
        ),
    ),
    Dataset(
        "mart_terminal_failure_prediction",
        "终端故障预测（7 天）",
        (
            Column("prediction_date", "DATE", "预测日期"),
            *COUNTY,
            *OUTLET,
            Column("device_id", "VARCHAR", "设备编号"),
            Column("component_name", "VARCHAR", "最可能故障的部件"),
            Column("failure_probability", "DOUBLE PRECISION", "7 天内故障概率"),
            Column("risk_level", "VARCHAR", "风险等级"),
            Column("is_high_risk", "BOOLEAN", "高风险"),
            Column("components_at_risk", "INTEGER", "有风险的部件数"),
            Column("warnings_7d", "INTEGER", "近 7 天预警次数"),
            Column(
                "is_latest_day",
                "BOOLEAN",
                "最新预测日",
                expression=latest("mart_terminal_failure_prediction", "prediction_date"),
            ),
        ),
        (
            Metric(
                "high_risk_devices",
                "COUNT(DISTINCT device_id) FILTER (WHERE is_high_risk)",
                "高风险终端",
                ",d",
            ),
            Metric(
                "at_risk_devices",
                "COUNT(DISTINCT device_id) FILTER (WHERE risk_level IN ('高', '中'))",
                "中高风险终端",
                ",d",
            ),
            Metric("max_failure_probability", "MAX(failure_probability)", "7 天内故障概率", ".1%"),
        ),
    ),
)


def _stat_chart(stat: str, index: int) -> Chart:
    return Chart(
        f"stat_{index}",
        f"{stat}统计（按区县）",
        "mart_card_stats_by_county",
        "bar",
        ("stat_total",),
        x="county_name",
        series=("stat_item",),
        filters=(Filter("stat_name", "==", stat),),
    )


ONLINE = (Filter("is_online", "IS TRUE"),)
LATEST_PREDICTION = (Filter("is_latest_day", "IS TRUE"),)

CHARTS: tuple[Chart, ...] = (
    # 终端运行监控大屏
    Chart("terminal_devices", "终端总数", "mart_terminal_status", "big_number", ("devices",), width=3),
    Chart(
        "terminal_online", "终端在线率", "mart_terminal_status", "big_number", ("avg_online_rate",), width=3
    ),
    Chart(
        "terminal_running", "终端运行率", "mart_terminal_status", "big_number", ("avg_running_rate",), width=3
    ),
    Chart(
        "terminal_failure", "终端故障率", "mart_terminal_status", "big_number", ("avg_fault_rate",), width=3
    ),
    Chart(
        "terminal_rates_by_county",
        "各区县终端在线率与故障率",
        "mart_terminal_status",
        "bar",
        ("avg_online_rate", "avg_fault_rate"),
        x="county_name",
        width=6,
    ),
    Chart(
        "terminal_online_trend",
        "终端在线率趋势",
        "mart_terminal_status",
        "line",
        ("avg_online_rate",),
        x="status_date",
        width=6,
    ),
    Chart(
        "terminal_alarms",
        "告警最多的终端",
        "mart_terminal_status",
        "table",
        ("alarms_total", "faults_total", "avg_fault_rate"),
        columns=("county_name", "outlet_name", "device_id"),
        row_limit=20,
        width=12,
    ),
    # 制发卡业务监控
    Chart(
        "funnel_entered",
        "制卡各环节到达数",
        "mart_card_production_funnel",
        "bar",
        ("entered_total",),
        x="stage_label",
        width=6,
    ),
    Chart(
        "funnel_backlog",
        "各环节当前积压与累计驳回",
        "mart_card_production_backlog",
        "bar",
        ("backlog_now", "rejected_total"),
        x="stage_label",
        width=6,
    ),
    Chart(
        "funnel_duration",
        "各环节距上一环节平均用时（小时）",
        "mart_card_production_funnel",
        "bar",
        ("avg_stage_hours",),
        x="stage_label",
        width=6,
    ),
    Chart(
        "issuance_trend",
        "每日发卡、补卡、换卡",
        "mart_card_issuance_county_daily",
        "line",
        ("cards_total",),
        x="issue_date",
        series=("issue_type",),
        width=6,
    ),
    Chart(
        "issuance_by_county",
        "各区县发卡、补卡、换卡",
        "mart_card_issuance_county_daily",
        "bar",
        ("cards_total",),
        x="county_name",
        series=("issue_type",),
        width=12,
    ),
    # 问题卡精准服务监控大屏
    Chart("problem_total", "问题卡总数", "mart_problem_card", "big_number", ("problem_cards",), width=4),
    Chart(
        "problem_by_category",
        "问题卡类别",
        "mart_problem_card",
        "pie",
        ("problem_cards",),
        x="problem_category",
        width=8,
    ),
    Chart(
        "problem_by_county",
        "各区县问题卡",
        "mart_problem_card",
        "bar",
        ("problem_cards",),
        x="county_name",
        series=("problem_category",),
        width=12,
    ),
    # 问题卡精准服务：服务策略的目标与成效（services/precision，mart_precision_service）
    Chart(
        "precision_total",
        "服务目标人数",
        "mart_precision_service",
        "big_number",
        ("precision_targets",),
        width=4,
    ),
    Chart(
        "precision_rate",
        "N 天内办理率",
        "mart_precision_service",
        "big_number",
        ("precision_act_rate",),
        width=4,
    ),
    Chart(
        "precision_days",
        "平均办理天数",
        "mart_precision_service",
        "big_number",
        ("precision_days_to_act",),
        width=4,
    ),
    Chart(
        "precision_by_strategy",
        "各服务策略成效",
        "mart_precision_service",
        "bar",
        ("precision_acted", "precision_not_acted", "precision_pending"),
        x="strategy_name",
        width=6,
    ),
    Chart(
        "precision_trend",
        "服务目标与办理（按运行日期）",
        "mart_precision_service",
        "line",
        ("precision_targets", "precision_acted"),
        x="run_date",
        width=6,
    ),
    Chart(
        "problem_by_township",
        "问题卡最多的乡镇（街道）",
        "mart_problem_card",
        "table",
        ("problem_cards",),
        columns=("county_name", "township_name", "problem_category"),
        row_limit=30,
        width=12,
    ),
    # 业务统计 (the seven statistics, bar charts)
    *(_stat_chart(stat, i) for i, stat in enumerate(CARD_STATS, start=1)),
    # 养老待遇领取态势
    Chart(
        "pension_recipients",
        "本月养老待遇领取人数",
        "mart_pension_receipt",
        "big_number",
        ("recipients_latest",),
    ),
    Chart(
        "pension_amount",
        "养老待遇累计发放金额（元）",
        "mart_pension_receipt",
        "big_number",
        ("amount_total",),
    ),
    Chart(
        "pension_card_share",
        "发放到社保卡的占比",
        "mart_pension_receipt",
        "big_number",
        ("paid_to_card_share",),
    ),
    Chart(
        "pension_by_county",
        "各区县本月领取人数（机关/企业/城乡居民）",
        "mart_pension_receipt",
        "bar",
        ("recipients_latest",),
        x="county_name",
        series=("pension_group",),
        width=6,
    ),
    Chart(
        "pension_monthly",
        "每月发放金额",
        "mart_pension_receipt",
        "line",
        ("amount_total",),
        x="pay_month",
        series=("pension_group",),
        width=6,
    ),
    Chart(
        "insurance_business",
        "社保业务办理笔数（按类型）",
        "mart_insurance_business",
        "bar",
        ("business_total",),
        x="business_type",
        series=("business_category",),
        width=12,
    ),
    # 线上申领分析
    Chart(
        "online_total",
        "线上申领总数",
        "mart_online_application",
        "big_number",
        ("applications_total",),
        filters=ONLINE,
    ),
    Chart(
        "online_success",
        "线上申领成功率",
        "mart_online_application",
        "big_number",
        ("success_rate",),
        filters=ONLINE,
    ),
    Chart(
        "online_days",
        "线上申领到制卡用时（天）",
        "mart_online_application",
        "big_number",
        ("median_days_to_card",),
        filters=ONLINE,
    ),
    Chart(
        "online_by_channel",
        "各渠道申领与已制卡数",
        "mart_online_application",
        "bar",
        ("applications_total", "succeeded_total"),
        x="channel",
        width=6,
    ),
    Chart(
        "online_trend",
        "每日线上申领（按渠道）",
        "mart_online_application",
        "line",
        ("applications_total",),
        x="apply_date",
        series=("channel",),
        filters=ONLINE,
        width=6,
    ),
    # 数据源监测
    Chart(
        "source_alerts_total",
        "最近一日告警",
        "mart_source_monitoring",
        "big_number",
        ("alerts_latest",),
        width=4,
    ),
    Chart(
        "source_unreconciled",
        "最近一日对账不一致的表",
        "mart_source_monitoring",
        "big_number",
        ("unreconciled_latest",),
        width=4,
    ),
    Chart(
        "source_alerts",
        "各数据源最近一日告警",
        "mart_source_monitoring",
        "bar",
        ("alerts_latest",),
        x="source_title",
        width=4,
    ),
    Chart(
        "source_volume",
        "各数据源每日入湖行数",
        "mart_source_monitoring",
        "line",
        ("rows_total",),
        x="logical_date",
        series=("source_title",),
        width=12,
    ),
    Chart(
        "source_tables",
        "数据源明细（批次、对账、时效、数据量）",
        "mart_source_monitoring",
        "table",
        ("rows_total", "max_volume_ratio", "max_freshness_hours"),
        columns=("logical_date", "source_title", "source_table", "batch_status", "reconciliation_status"),
        row_limit=200,
        width=12,
    ),
    # 终端运行监控大屏 · 故障预测 (seed 四.4)
    Chart(
        "failure_high_risk",
        "7 天内故障高风险终端",
        "mart_terminal_failure_prediction",
        "big_number",
        ("high_risk_devices",),
        filters=LATEST_PREDICTION,
        width=4,
    ),
    Chart(
        "failure_risk_by_county",
        "各区县故障风险终端数（最新预测日）",
        "mart_terminal_failure_prediction",
        "bar",
        ("high_risk_devices", "at_risk_devices"),
        x="county_name",
        filters=LATEST_PREDICTION,
        width=8,
    ),
    Chart(
        "failure_risk_list",
        "故障风险最高的终端（7 天内，最新预测日）",
        "mart_terminal_failure_prediction",
        "table",
        ("max_failure_probability",),
        columns=("county_name", "outlet_name", "device_id", "component_name", "risk_level"),
        filters=LATEST_PREDICTION,
        row_limit=20,
        width=12,
    ),
)

DASHBOARDS: tuple[Dashboard, ...] = (
    Dashboard(
        "terminal-monitor",
        "终端运行监控大屏",
        (
            ("terminal_devices", "terminal_online", "terminal_running", "terminal_failure"),
            ("terminal_rates_by_county", "terminal_online_trend"),
            ("terminal_alarms",),
            ("failure_high_risk", "failure_risk_by_county"),
            ("failure_risk_list",),
        ),
    ),
    Dashboard(
        "card-production",
        "制发卡业务监控",
        (
            ("funnel_entered", "funnel_backlog"),
            ("funnel_duration", "issuance_trend"),
            ("issuance_by_county",),
        ),
    ),
    Dashboard(
        "problem-cards",
        "问题卡精准服务监控大屏",
        (
            ("problem_total", "problem_by_category"),
            ("problem_by_county",),
            ("problem_by_township",),
            ("precision_total", "precision_rate", "precision_days"),
            ("precision_by_strategy", "precision_trend"),
        ),
    ),
    Dashboard(
        "card-statistics",
        "业务统计",
        (("stat_1", "stat_2", "stat_3"), ("stat_4", "stat_5", "stat_6"), ("stat_7",)),
    ),
    Dashboard(
        "pension-receipt",
        "养老待遇领取态势",
        (
            ("pension_recipients", "pension_amount", "pension_card_share"),
            ("pension_by_county", "pension_monthly"),
            ("insurance_business",),
        ),
    ),
    Dashboard(
        "online-application",
        "线上申领分析",
        (("online_total", "online_success", "online_days"), ("online_by_channel", "online_trend")),
    ),
    Dashboard(
        "source-monitoring",
        "数据源监测",
        (
            ("source_alerts_total", "source_unreconciled", "source_alerts"),
            ("source_volume",),
            ("source_tables",),
        ),
        city_only=True,
    ),
)

# 渠道分析 and 持卡人画像 (declared in superset_assets/declaration_channels.py)
DATASETS += channels.DATASETS
CHARTS += channels.CHARTS
DASHBOARDS += channels.DASHBOARDS


def dataset(table: str) -> Dataset:
    return next(d for d in DATASETS if d.table == table)


def chart(key: str) -> Chart:
    return next(c for c in CHARTS if c.key == key)
