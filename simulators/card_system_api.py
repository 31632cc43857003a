"""省卡管系统 HTTP interface (simulated): what the platform calls for cards, progress, 挂失 and 回盘.

It speaks like a provincial card system: upper-case field codes (AAZ500 卡号, AAC002 社会保障号码 …),
an envelope `{"code": "0000", "message": "成功", "data": …}` and the system's own error codes, with
HTTP statuses that match (401 key, 404 not found, 409 refused, 422 bad input). Rules are in
`simulators.card_system_repo`; this module parses, authenticates and wraps.

| code | meaning                      | | code | meaning                         |
|------|------------------------------|-|------|---------------------------------|
| 0000 | 成功                         | | 2003 | 存在未办结的申领                  |
| 1000 | 参数错误                     | | 2004 | 不符合换卡条件                    |
| 1001 | 无此人员                     | | 2005 | 当前卡状态不允许该操作             |
| 1002 | 无此社会保障卡                | | 3001 | 无此批次                         |
| 1004 | 姓名与社会保障号码不符         | | 4001 | 回盘失败（银行账户信息不一致）      |
| 2001 | 不符合补卡条件                | | 4002 | 已回盘成功，不能重复回盘           |
| 2002 | 已有有效社会保障卡，不能重复申领 | | 9001 | 接口密钥无效                      |

Run with `python -m simulators.card_system_api` (127.0.0.1:8091, `YKT_CARD_SYSTEM_PORT`).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from simulators import card_system_instant
from simulators import card_system_repo as repo
from simulators.cardplan import CHANNEL_CODES, CHANNELS
from simulators.sources.card_system import DATABASE
from yikatong import db
from yikatong.settings import get_settings

BEIJING = ZoneInfo("Asia/Shanghai")
STAGES = (("申请", "applytime"), ("审核", "shsj"), ("银行开户", "banktime"), ("省级制卡", "provincetime"),
          ("市级接收", "citytime"), ("发往网点", "citysendtime"), ("领卡", "gettime"))  # fmt: skip


_CHANNEL_CODES = dict(zip(CHANNELS, CHANNEL_CODES, strict=True))  # 申请渠道 名称 → SQQD


def api_key() -> str:
    return get_settings().card_system_api_key


def beijing_now() -> datetime:
    """The card system's clock: 北京时间 without zone, to the second (as its TIMESTAMP(0) columns)."""
    return datetime.now(BEIJING).replace(tzinfo=None, microsecond=0)


def ok(data: Any) -> dict[str, Any]:
    return {"code": "0000", "message": "成功", "data": data}


def fail(code: str, message: str, status: int, data: Any = None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": data}, status_code=status)


def _fmt(value: Any) -> Any:
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else value


def _upper(row: dict[str, Any]) -> dict[str, Any]:
    return {k.upper(): _fmt(v) for k, v in row.items()}


class ApplyBody(BaseModel):
    """POST /api/apply: 社保卡申请 (YWLX and SQQD accept the code or the Chinese name)."""

    AAC002: str = Field(min_length=1, max_length=18)
    AAC003: str = Field(min_length=1, max_length=50)
    YWLX: str = Field(description="业务类型：申领/补卡/换卡 或 1/2/3")
    SQQD: str = Field(description="申请渠道：柜面/自助机/微信/天府通办/智乐山 或 01-05")
    ZPBH: str = Field(min_length=1, max_length=64, description="照片编号（制卡照片引用）")
    AAC058: str = Field(default="01", max_length=2)
    AAB301: str | None = Field(default=None, min_length=6, max_length=6)
    AAE008: str | None = Field(default=None, max_length=3)
    LKWDBM: str | None = Field(default=None, max_length=12)


class StatusBody(BaseModel):
    CZLX: str = Field(description="操作类型：临时挂失/解挂/正式挂失")


class WritebackBody(BaseModel):
    AAZ500: str = Field(min_length=1, max_length=9)
    AAE010: str = Field(min_length=1, max_length=19)
    CHIPNO: str = Field(min_length=1, max_length=32)


def create_app(database: str = DATABASE, clock: Callable[[], datetime] = beijing_now) -> FastAPI:
    """The card system's API over `database` (a test passes its own database and clock)."""
    app = FastAPI(title="四川省社会保障卡管理系统接口（模拟）", version="1.0")
    engine = db.engine(database)

    def authorised(x_api_key: Annotated[str | None, Header()] = None) -> None:
        if x_api_key is None or not hmac.compare_digest(x_api_key.encode(), api_key().encode()):
            raise repo.Refusal("9001", "接口密钥无效", 401)

    _errors(app)
    _read_routes(app, engine, authorised)
    _write_routes(app, engine, authorised, clock)
    card_system_instant.add_routes(app, engine, authorised, clock, _upper)
    return app


def _errors(app: FastAPI) -> None:
    @app.exception_handler(repo.Refusal)
    async def refused(_request: Request, exc: repo.Refusal) -> JSONResponse:
        return fail(exc.code, exc.message, exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in exc.errors())
        return fail("1000", f"参数错误：{fields}", 422)


def _read_routes(app: FastAPI, engine: sa.Engine, authorised: Callable) -> None:
    auth = [Depends(authorised)]

    @app.get("/api/card/progress/{aac002}", dependencies=auth, summary="制卡进度查询")
    def progress(aac002: str) -> dict[str, Any]:
        with engine.connect() as conn:
            apply = repo.latest_application(conn, aac002)
            names = {t: repo.codes(conn, t) for t in ("YWLX", "SQQD", "SHZT")}
        if apply is None:
            raise repo.Refusal("1001", "无此人员的申领记录", 404)
        return ok(_progress(apply, names))

    @app.get("/api/card/{aac002}", dependencies=auth, summary="个人社保卡信息查询")
    def cards(aac002: str) -> dict[str, Any]:
        with engine.connect() as conn:
            rows = repo.cards_of(conn, aac002)
            if not rows and not repo.known_person(conn, aac002):
                raise repo.Refusal("1001", "无此人员", 404)
            names = {t: repo.codes(conn, t) for t in ("AAZ502", "AAE008")}
        return ok([_card(r, names) for r in rows])

    @app.get("/api/batch/{batchno}", dependencies=auth, summary="制卡批次数据查询")
    def batch(batchno: str) -> dict[str, Any]:
        with engine.connect() as conn:
            found = repo.batch(conn, batchno)
            banks = repo.codes(conn, "AAE008")
        if found is None:
            raise repo.Refusal("3001", f"无此批次 {batchno}", 404)
        head, members = found
        data = _upper(head) | {"AAE008MC": banks.get(head["aae008"]), "CARDS": [_upper(m) for m in members]}
        return ok(data)


def _card(row: dict[str, Any], names: dict[str, dict[str, str]]) -> dict[str, Any]:
    out = _upper(row)
    out["AAZ502MC"] = names["AAZ502"].get(row["aaz502"])
    out["AAE008MC"] = names["AAE008"].get(row["aae008"])
    return out


def _progress(apply: dict[str, Any], names: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The application with its stages as a timeline; a rejected review ends the flow there."""
    timeline = []
    for stage, column in STAGES:
        timeline.append({"STAGE": stage, "FIELD": column.upper(), "TIME": _fmt(apply[column]),
                         "DONE": apply[column] is not None})  # fmt: skip
        if column == "shsj" and apply["shzt"] == "2":
            timeline[-1] |= {"RESULT": "审核不通过", "REASON": apply["shyj"]}
            break
    done = [t["STAGE"] for t in timeline if t["DONE"]]
    data = _upper(apply) | {
        "YWLXMC": names["YWLX"].get(apply["ywlx"]),
        "SQQDMC": names["SQQD"].get(apply["sqqd"]),
        "SHZTMC": names["SHZT"].get(apply["shzt"]),
        "CURRENT": "审核不通过" if apply["shzt"] == "2" else (done[-1] if done else None),
        "STAGES": timeline,
    }
    return data


def _write_routes(
    app: FastAPI, engine: sa.Engine, authorised: Callable, clock: Callable[[], datetime]
) -> None:
    auth = [Depends(authorised)]

    @app.post("/api/apply", dependencies=auth, summary="社保卡申领/补卡/换卡申请")
    def apply(body: ApplyBody) -> JSONResponse:
        req = repo.ApplyRequest(
            aac002=body.AAC002.strip().upper(), aac003=body.AAC003.strip(), photo=body.ZPBH,
            ywlx=_code(body.YWLX, repo.YWLX, "YWLX"), sqqd=_code(body.SQQD, _CHANNEL_CODES, "SQQD"),
            aac058=body.AAC058, aab301=body.AAB301, aae008=body.AAE008, lkwdbm=body.LKWDBM,
        )  # fmt: skip
        with engine.begin() as conn:
            row = repo.create_application(conn, req, clock())
        return JSONResponse(ok(_upper(row) | {"ZPBH": req.photo}), status_code=201)

    @app.post("/api/card/{aaz500}/status", dependencies=auth, summary="挂失/解挂")
    def status(aaz500: str, body: StatusBody) -> dict[str, Any]:
        with engine.begin() as conn:
            row = repo.change_status(conn, aaz500, body.CZLX.strip(), clock())
        return ok(_upper(row))

    @app.post("/api/writeback", dependencies=auth, summary="制卡结果回盘")
    def writeback(body: WritebackBody) -> Any:
        with engine.begin() as conn:  # a failed attempt is recorded too: commit before answering
            row = repo.write_back(conn, body.AAZ500, body.AAE010, body.CHIPNO, clock())
        if row["hpjg"] != "成功":
            return fail("4001", f"回盘失败：{row['cwxx']}", 409, _upper(row))
        return ok(_upper(row))


def _code(value: str, by_name: dict[str, str], field: str) -> str:
    """A code given either as itself or by its Chinese name; 1000 otherwise."""
    value = value.strip()
    if value in by_name.values():
        return value
    if value in by_name:
        return by_name[value]
    raise repo.Refusal("1000", f"参数错误：{field} 取值 {value} 无效，可选 {'/'.join(by_name)}", 422)


def main() -> None:
    import uvicorn

    port = get_settings().card_system_port
    uvicorn.run(create_app(), host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
