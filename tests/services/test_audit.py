"""审计日志：谁、何时、做什么、对象、结果、IP；只追加；HMAC-SM3 链发现篡改、插入、删除。"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.base.permissions import Role
from tests.services.helpers import TEST_DB, device_body, make_staff, register, sql
from yikatong import db

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
YKT = str(Path(sys.executable).with_name("ykt"))


async def some_history(client, cast) -> None:
    """Ten or so audited actions by several people, successes and refusals."""
    await register(client, cast.shizhong.headers, device_body(1))
    await register(client, cast.shizhong.headers, device_body(2))
    await client.get("/api/v1/admin/devices", headers=cast.shizhong.headers)
    await client.patch(
        "/api/v1/admin/devices/LS-511102-0001", headers=cast.shizhong.headers, json={"name": "改名"}
    )
    await client.get("/api/v1/admin/devices/LS-511102-0001", headers=cast.emei.headers)  # 404 → 失败
    await client.post(
        "/api/v1/admin/devices", headers=cast.auditor.headers, json=device_body(3)
    )  # 403 → 失败
    await client.get("/api/v1/admin/users", headers=cast.secadmin.headers)


def tamper(statement: str, **params) -> None:
    """What an attacker with database access does: switch the append-only trigger off, then write."""
    with db.engine(TEST_DB).begin() as conn:
        conn.execute(sa.text("alter table audit_log disable trigger user"))
        conn.execute(sa.text(statement), params)
        conn.execute(sa.text("alter table audit_log enable trigger user"))


async def verify(client, cast) -> dict:
    response = await client.get("/api/v1/admin/audit/verify", headers=cast.auditor.headers)
    assert response.status_code == 200
    return response.json()


def cli_verify() -> subprocess.CompletedProcess:
    env = {**os.environ, "YKT_OPS_DATABASE": TEST_DB}
    return subprocess.run(
        [YKT, "audit", "verify"], capture_output=True, text=True, env=env, timeout=120, check=False
    )


async def test_every_action_is_recorded_with_who_what_result_ip(client, cast):
    await some_history(client, cast)
    rows = sql("select actor, action, object_id, result, client_ip, reason from audit_log order by seq")
    assert ("szq_admin", "device.create", "LS-511102-0001", "成功", "10.1.2.3", None) in rows
    assert ("szq_admin", "device.update", "LS-511102-0001", "成功", "10.1.2.3", None) in rows
    refused = {(r[0], r[1], r[3]) for r in rows if r[3] == "失败"}
    assert refused == {("emei_admin", "device.read", "失败"), ("auditor", "device.create", "失败")}
    assert all(r[5] for r in rows if r[3] == "失败")  # every refusal says why


async def test_only_the_auditor_reads_the_log(client, cast):
    await some_history(client, cast)
    page = await client.get("/api/v1/admin/audit?action=device.&size=50", headers=cast.auditor.headers)
    assert page.status_code == 200 and page.json()["total"] >= 5
    assert {e["action"][:7] for e in page.json()["items"]} == {"device."}
    for other in (cast.sysadmin, cast.secadmin, cast.shizhong):
        assert (await client.get("/api/v1/admin/audit", headers=other.headers)).status_code == 403
    county = make_staff("szq_auditor", Role.AUDITOR, "511102")
    seen = (await client.get("/api/v1/admin/audit?size=100", headers=county.headers)).json()["items"]
    assert seen and {e["actor_region"][:6] for e in seen} == {"511102"}


async def test_the_log_is_append_only_in_the_database(client, cast):
    await some_history(client, cast)
    for statement in ("update audit_log set result = '成功'", "delete from audit_log", "truncate audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            sql(statement)


async def test_verify_passes_on_an_honest_log(client, cast):
    await some_history(client, cast)
    report = await verify(client, cast)
    assert report["ok"] and report["rows"] >= 7 and report["issues"] == []
    result = cli_verify()
    assert result.returncode == 0 and "审计链完整" in result.stdout


async def test_verify_finds_an_altered_row(client, cast):
    await some_history(client, cast)
    tamper("update audit_log set result = '成功', reason = null where seq = 6")
    report = await verify(client, cast)
    assert [(i["seq"], i["kind"]) for i in report["issues"]] == [(6, "altered")]
    result = cli_verify()
    assert result.returncode == 1 and "序号 6 的记录内容被篡改" in result.stdout


async def test_verify_finds_a_deleted_row(client, cast):
    await some_history(client, cast)
    tamper("delete from audit_log where seq = 3")
    assert [(i["seq"], i["kind"]) for i in (await verify(client, cast))["issues"]] == [(3, "deleted")]


async def test_verify_finds_a_deleted_tail(client, cast):
    await some_history(client, cast)
    [(last,)] = sql("select max(seq) from audit_log")
    tamper("delete from audit_log where seq = :seq", seq=last)
    issues = (await verify(client, cast))["issues"]
    assert [(i["seq"], i["kind"]) for i in issues] == [(last, "deleted")]


async def test_verify_finds_an_inserted_row(client, cast):
    await some_history(client, cast)
    [(last, last_hash)] = sql("select seq, hash from audit_log order by seq desc limit 1")
    tamper(
        "insert into audit_log (seq, at, actor, action, result, prev_hash, hash) "
        "values (:seq, now(), 'ghost', 'device.delete', '成功', :prev, :fake)",
        seq=last + 1,
        prev=last_hash,
        fake="ab" * 32,
    )
    issues = (await verify(client, cast))["issues"]
    assert (last + 1, "inserted") in [(i["seq"], i["kind"]) for i in issues]


async def test_verify_reports_all_three_at_once(client, cast):
    await some_history(client, cast)
    [(last, last_hash)] = sql("select seq, hash from audit_log order by seq desc limit 1")
    tamper("update audit_log set actor = 'someone' where seq = 2")
    tamper("delete from audit_log where seq = 4")
    tamper(
        "insert into audit_log (seq, at, actor, action, result, prev_hash, hash) "
        "values (:seq, now(), 'ghost', 'x', '成功', :prev, :prev)",
        seq=last + 1,
        prev=last_hash,
    )
    kinds = {(i["seq"], i["kind"]) for i in (await verify(client, cast))["issues"]}
    assert {(2, "altered"), (4, "deleted"), (last + 1, "inserted")} <= kinds
    result = cli_verify()
    assert result.returncode == 1 and all(
        word in result.stdout for word in ("altered", "deleted", "inserted")
    )


async def test_concurrent_requests_keep_the_chain_whole(client, cast):
    await register(client, cast.shizhong.headers, device_body(1))
    paths = ["/api/v1/admin/devices/LS-511102-0001", "/api/v1/admin/devices"] * 15
    responses = await asyncio.gather(*(client.get(p, headers=cast.shizhong.headers) for p in paths))
    assert all(r.status_code == 200 for r in responses)
    report = await verify(client, cast)
    assert report["ok"] and report["rows"] >= 31
    assert sql("select count(distinct seq) = max(seq) from audit_log") == [(True,)]


async def test_reads_are_chained_in_batches_while_changes_commit_with_their_row(client, cast):
    """With a worker's flusher running, a read's row is queued and chained ~100 ms later (one
    transaction per batch); a change's row still commits with the change; stopping the flusher
    writes what is left; the chain verifies."""
    import contextlib

    from services.base import audit_queue

    flusher = asyncio.create_task(audit_queue.run_forever())
    await asyncio.sleep(0)
    assert audit_queue.running()
    try:
        await register(client, cast.shizhong.headers, device_body(1))
        assert sql("select count(*) from audit_log where action = 'device.create'") == [(1,)]  # at once
        reads = [client.get("/api/v1/admin/devices", headers=cast.shizhong.headers) for _ in range(20)]
        assert all(r.status_code == 200 for r in await asyncio.gather(*reads))
        for _ in range(50):  # flushed by the worker's tick, not by this test
            if sql("select count(*) from audit_log where action = 'device.list'") == [(20,)]:
                break
            await asyncio.sleep(0.05)
        assert sql(
            "select count(*), min(result), min(actor) from audit_log where action = 'device.list'"
        ) == [(20, "成功", "szq_admin")]
        await client.get("/api/v1/admin/devices/LS-511102-0001", headers=cast.shizhong.headers)
    finally:
        flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher
    assert not audit_queue.running() and audit_queue.pending() == 0
    assert sql("select count(*) from audit_log where action = 'device.read'") == [(1,)]  # the last flush
    report = await verify(client, cast)
    assert report["ok"] and report["rows"] >= 22
    assert cli_verify().returncode == 0
