"""Exchange routes as configuration (统一的数据交换标准): one declaration per source table or file feed.

Each route says where data comes from, how it is extracted (incremental on a watermark, full
snapshot, or file drop), which bronze table it lands in, on what schedule, and which contract its
silver dataset obeys. The DAG factory turns the routes of one source system into `ingest_<source>`;
adding a source is adding declarations here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mode = Literal["incremental", "snapshot", "file_drop"]


@dataclass(frozen=True, slots=True)
class SourceSystem:
    name: str  # short key used in DAG ids and bronze names
    title: str  # the system's Chinese name
    kind: Literal["database", "files"]
    location: str  # database name, or a folder under the sources dir
    setting: str | None = None  # a settings field that names the database instead (read when extracting)
    optional: bool = False  # a database or table not created yet is skipped (logged), not an error

    @property
    def database(self) -> str:
        """The database to extract from (settings are read here, never at import: DAG files import this)."""
        if self.setting is None:
            return self.location
        from yikatong.settings import get_settings

        return getattr(get_settings(), self.setting)


@dataclass(frozen=True, slots=True)
class Route:
    source: str
    table: str  # source table, or file dataset name
    mode: Mode
    key: tuple[str, ...]  # the source's primary key
    watermark: str | None = None  # column for incremental extraction (经办时间 AAE036)
    amount: str | None = None  # column summed in reconciliation
    contract: str | None = None  # the silver dataset whose contract covers this route
    schedule: str = "@daily"

    @property
    def bronze(self) -> str:
        return f"bronze.{self.source}__{self.table}"

    @property
    def route_id(self) -> str:
        return f"{self.source}.{self.table}"


SOURCES: dict[str, SourceSystem] = {
    s.name: s
    for s in (
        SourceSystem("card_system", "省社保卡管理系统（卡管）", "database", "src_card_system"),
        SourceSystem("insurance", "全民参保库", "database", "src_insurance"),
        SourceSystem("holder", "参保人员持卡库", "database", "src_holder"),
        SourceSystem("business", "社保业务信息库", "database", "src_business"),
        SourceSystem("exchange", "市政务数据共享交换平台", "files", "exchange/inbox"),
        SourceSystem("card_events", "用卡轨迹消息", "files", "card_events"),
        # the platform's own services (kiosks, blank cards, issuance): extracted like any source
        SourceSystem("ops", "一卡通服务 · 终端监管与发卡", "database", "ops", "ops_database", True),
    )
}

_W = "AAE036"


def _ops(table: str, key: tuple[str, ...], watermark: str | None = None) -> Route:
    """A table of the platform's own services → ``silver.ops_<table>`` (incremental on ``watermark``)."""
    mode: Mode = "incremental" if watermark else "snapshot"
    return Route("ops", table, mode, key, watermark, contract=f"ops_{table}")


ROUTES: tuple[Route, ...] = (
    Route("card_system", "kgl_card", "incremental", ("AAZ500",), _W, contract="card"),
    Route("card_system", "kgl_apply", "incremental", ("SQID",), _W, contract="card_application"),
    Route("card_system", "kgl_batch", "incremental", ("BATCHNO",), _W, contract="card_batch"),
    Route("card_system", "kgl_writeback", "incremental", ("HPID",), _W, contract="card_writeback"),
    Route("insurance", "qmcb_person", "incremental", ("AAC001",), _W, contract="person"),
    Route("insurance", "qmcb_enrolment", "incremental", ("AAZ159",), _W, contract="insurance_enrolment"),
    Route("holder", "cyk_holder", "incremental", ("CYRID",), _W, contract="person"),
    Route("holder", "cyk_card", "incremental", ("AAZ500",), _W, contract="card"),
    Route("holder", "cyk_card_status_history", "incremental", ("LSID",), _W, contract="card"),
    Route(
        "business",
        "ywk_benefit_payment",
        "incremental",
        ("AAE076",),
        _W,
        amount="AAE019",
        contract="benefit_payment",
    ),
    Route(
        "business",
        "ywk_medical_settlement",
        "incremental",
        ("AAE076",),
        _W,
        amount="AKC264",
        contract="medical_settlement",
    ),
    Route("business", "ywk_transaction", "incremental", ("AAE076",), _W, contract="business_transaction"),
    Route("holder", "cyk_bank_account", "incremental", ("ZHID",), _W, contract="bank_account"),
    # code tables (代码表): small, taken whole every day
    Route("card_system", "kgl_code", "snapshot", ("CODETYPE", "CODE")),
    Route("insurance", "qmcb_code", "snapshot", ("CODETYPE", "CODE")),
    Route("business", "ywk_code", "snapshot", ("CODETYPE", "CODE")),
    Route("exchange", "directories", "file_drop", ("dataset", "code"), contract="directory"),
    Route(
        "card_events", "card_events", "file_drop", ("event_id",), amount="amount", contract="card_use_event"
    ),
    # 一卡通服务 (ops): incremental on the server's own change/arrival time; tables whose rows change
    # without such a column (alarms acknowledged/cleared) or whose only time is the kiosk's (self-check
    # items, uploaded up to 30 days late) are taken whole. Silver: silver.ops_<table> (spark_jobs/ops.py).
    _ops("terminal_device", ("device_id",), "updated_at"),
    _ops("terminal_state_change", ("id",), "at"),
    _ops("terminal_selfcheck_item", ("selfcheck_id", "component")),
    _ops("terminal_alarm", ("id",)),
    _ops("card_blank_addition", ("id",), "added_at"),
    _ops("card_blank_usage", ("id",), "received_at"),
    _ops("card_issuance", ("id",), "received_at"),
    _ops("card_finished", ("card_no",), "updated_at"),
    # 渠道访问记录 (seed 5.2): append-only, one row per API/H5 request, extracted by its time
    _ops("access_log", ("id",), "at"),
)


def routes_of(source: str) -> list[Route]:
    return [r for r in ROUTES if r.source == source]


def route(route_id: str) -> Route:
    for r in ROUTES:
        if r.route_id == route_id:
            return r
    raise KeyError(f"未知交换路由 {route_id}")
