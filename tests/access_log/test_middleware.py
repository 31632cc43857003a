"""The access-log middleware over HTTP: who, channel, route template, result, masked IP and place."""

from __future__ import annotations

import time
from urllib.parse import quote

import httpx
import pytest

from services.access_log.writer import WRITER
from services.app import create_app
from tests.channels.photo_support import photo_ids
from tests.services.cards_support import person
from tests.services.helpers import sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
COLUMNS = ("actor_kind, actor_token, channel, channel_id, module, method, endpoint, operation, object_id, "
           "status, result, error_code, latency_ms, ip_masked, county_code, place, request_id")  # fmt: skip


def rows(where: str = "true") -> list[dict]:
    return [r._asdict() for r in sql(f"select {COLUMNS} from access_log where {where} order by id")]


async def test_a_staff_request_is_recorded_with_template_masked_ip_and_place(client, sysadmin):
    sql("delete from access_log")
    app = create_app()
    transport = httpx.ASGITransport(app=app, client=("10.102.37.201", 50123))  # 市中区's range
    id_number = person(7)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        missing = await http.get(f"/api/v1/admin/devices/{id_number}", headers=sysadmin.headers)
        listed = await http.get("/api/v1/admin/devices", headers=sysadmin.headers)
        anonymous = await http.get("/api/v1/admin/devices")
    assert (missing.status_code, listed.status_code, anonymous.status_code) == (404, 200, 401)
    await WRITER.flush()
    got = rows("ip_masked = '10.102.37.0/24'")
    assert [r["status"] for r in got] == [404, 200, 401]
    first, second, third = got
    assert first["endpoint"] == "/api/v1/admin/devices/{device_id}", "the route template, not the path"
    assert (first["actor_kind"], first["actor_token"], first["channel"]) == (
        "staff", f"staff:{sysadmin.id}", "工作人员后台")  # fmt: skip
    assert (first["result"], first["error_code"], first["module"]) == ("4xx", "NOT_FOUND", "设备管理")
    assert (first["county_code"], first["place"]) == ("511102", "市中区")
    assert second["operation"] == "device.list" and second["error_code"] is None
    assert (third["actor_kind"], third["actor_token"], third["channel"]) == (
        "anonymous",
        None,
        "工作人员后台",
    )
    assert all(r["latency_ms"] > 0 and r["request_id"] for r in got)
    everything = " ".join(str(v) for r in got for v in r.values())
    assert id_number not in everything and "10.102.37.201" not in everything


async def test_a_resident_journey_is_recorded_with_the_channel_and_application(client, channel):
    sql("delete from access_log")
    transport = httpx.ASGITransport(app=create_app(), client=("10.181.4.9", 40000))  # 峨眉山市
    id_number = person(611)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        entered = await http.get(f"/h5/enter?assertion={quote(channel.assertion(id_number, '郑记录'))}")
        http.cookies.set("ykt_resident", entered.cookies["ykt_resident"])
        assert (await http.get("/h5/")).status_code == 200
        page = (await http.get("/h5/apply?business=申领")).text
        form = {"csrf": _hidden(page, "csrf"), "idempotency_key": _hidden(page, "idempotency_key"),
                "business": "申领", "phone": "13800138000", "outlet_code": "511102004001"}  # fmt: skip
        form |= await photo_ids(id_number)
        sent = await http.post("/h5/apply", data=form)
        assert sent.status_code == 303, sent.text
    await WRITER.flush()
    got = rows("ip_masked = '10.181.4.0/24'")
    assert [(r["method"], r["endpoint"]) for r in got] == [
        ("GET", "/h5/enter"), ("GET", "/h5/"), ("GET", "/h5/apply"), ("POST", "/h5/apply")]  # fmt: skip
    assert {r["channel"] for r in got} == {"天府通办"} and {r["channel_id"] for r in got} == {"tfth"}
    token = sql("select person_token from channel_resident_session")[0][0]
    assert [r["actor_kind"] for r in got] == ["anonymous", "resident", "resident", "resident"]
    assert {r["actor_token"] for r in got[1:]} == {token}
    application = sql("select application_id from channel_application")[0][0]
    assert got[-1]["object_id"] == str(application), "the submitted application (from the redirect)"
    assert {(r["county_code"], r["place"], r["ip_masked"]) for r in got} == {
        ("511181", "峨眉山市", "10.181.4.0/24")
    }
    everything = " ".join(str(v) for r in got for v in r.values())
    assert id_number not in everything and "郑记录" not in everything


async def test_rows_waiting_at_shutdown_are_written(client):
    sql("delete from access_log")
    app = create_app()
    transport = httpx.ASGITransport(app=app, client=("172.20.1.1", 1))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            for _ in range(30):
                assert (await http.get("/api/v1/health")).status_code == 200
        assert len(WRITER.pending) > 0 or rows() == [], "rows wait in memory, not written per request"
    got = rows()
    assert len(got) == 30 and {(r["module"], r["place"], r["county_code"]) for r in got} == {
        ("运行状态", "乐山市政务外网", "511100")}  # fmt: skip
    assert WRITER.pending == []


async def test_recording_costs_a_fraction_of_a_millisecond(client):
    from services.access_log.middleware import AccessLogMiddleware

    seen: list = []

    class Collect:
        def record(self, row) -> None:
            seen.append(row)

    async def endpoint(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def noop(message) -> None:
        return None

    wrapped = AccessLogMiddleware(endpoint, writer=Collect())
    scope = {"type": "http", "method": "GET", "path": "/api/v1/health", "query_string": b"",
             "headers": [], "client": ("10.102.0.1", 1), "state": {}}  # fmt: skip
    n = 2000
    started = time.perf_counter()
    for _ in range(n):
        await wrapped(dict(scope), None, noop)
    per_request_ms = (time.perf_counter() - started) * 1000 / n
    assert len(seen) == n and per_request_ms < 0.5, per_request_ms
    row = seen[0].row()  # classified when the writer flushes, off the request path
    assert (row.endpoint, row.place, row.ip_masked, row.status) == (
        "(未匹配)",
        "市中区",
        "10.102.0.0/24",
        200,
    )


def _hidden(html: str, name: str) -> str:
    import re

    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)
