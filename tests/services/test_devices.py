"""设备登记、编辑、查询、停用、导出 — all through HTTP, always within the caller's region."""

from __future__ import annotations

import pytest

from tests.services.helpers import EMEI_OUTLET, device_body, read_workbook, register, sql

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
DEVICES = "/api/v1/admin/devices"


async def test_register_returns_the_credential_once(client, cast):
    created = await register(client, cast.shizhong.headers, device_body(1, longitude=103.76, latitude=29.55))
    secret = created["credential"]["secret"]
    assert len(secret) == 64 and created["region_name"] == "乐山市市中区大佛街道"
    assert (
        created["status"] == "启用" and created["online"] is False and created["registered_by"] == "szq_admin"
    )
    detail = (await client.get(f"{DEVICES}/LS-511102-0001", headers=cast.shizhong.headers)).json()
    assert "credential" not in detail and secret not in str(detail)
    [(stored,)] = sql("select credential from terminal_device")
    assert secret not in stored and stored.startswith("demo1$")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"device_id": "LS-1-1"}, "body.device_id", "设备编号格式"),
        ({"device_id": "LS-511181-0001"}, "body", "区划代码与网点所属县"),
        ({"outlet_code": "511102999001"}, "body.outlet_code", "网点代码"),
        ({"longitude": 103.7}, "body", "经度与纬度"),
        ({"longitude": 120.0, "latitude": 29.5}, "body.longitude", "不能大于"),
        ({"name": '=HYPERLINK("http://x")'}, "body.name", "不能以"),
        ({"ip": "999.1.1.1"}, "body.ip", "IP 地址"),
        ({"device_type": "洗衣机"}, "body.device_type", "取值应为"),
        ({"name": ""}, "body.name", "不能为空"),
        ({"owner": "x"}, "body.owner", "不允许的字段"),
    ],
)
async def test_bad_registration_is_refused_with_a_reason(client, cast, change, field, message):
    response = await client.post(DEVICES, headers=cast.shizhong.headers, json=device_body(1, **change))
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["field"] == field and message in error["message"]
    assert sql("select count(*) from terminal_device") == [(0,)]


async def test_register_only_in_own_region(client, cast):
    body = device_body(1, county="511181")
    response = await client.post(DEVICES, headers=cast.shizhong.headers, json=body)
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    assert sql("select count(*) from terminal_device") == [(0,)]
    assert (await client.post(DEVICES, headers=cast.emei.headers, json=body)).status_code == 201


async def test_device_id_is_unique(client, cast):
    await register(client, cast.shizhong.headers, device_body(1))
    again = await client.post(DEVICES, headers=cast.sysadmin.headers, json=device_body(1, name="另一台"))
    assert again.status_code == 409 and again.json()["code"] == "DEVICE_EXISTS"


async def test_edit_everything_but_the_device_id(client, cast):
    await register(client, cast.shizhong.headers, device_body(1))
    path, headers = f"{DEVICES}/LS-511102-0001", cast.shizhong.headers
    same_id = await client.patch(
        path, headers=headers, json={"device_id": "LS-511102-0001", "name": "新名称"}
    )
    assert same_id.status_code == 200 and same_id.json()["name"] == "新名称"
    moved = await client.patch(path, headers=headers, json={"outlet_code": "511102006001", "ip": "10.0.0.8"})
    assert moved.json()["region_code"] == "511102006" and moved.json()["ip"] == "10.0.0.8"
    renamed = await client.patch(path, headers=headers, json={"device_id": "LS-511102-0002"})
    assert renamed.status_code == 422 and renamed.json()["code"] == "DEVICE_ID_IMMUTABLE"
    cleared = await client.patch(path, headers=headers, json={"name": None})
    assert cleared.status_code == 422
    away = await client.patch(path, headers=headers, json={"outlet_code": EMEI_OUTLET})
    assert away.status_code == 403
    assert sql("select device_id, name, outlet_code from terminal_device") == [
        ("LS-511102-0001", "新名称", "511102006001")
    ]
    [(detail,)] = sql(
        "select detail from audit_log where action = 'device.update' and result = '成功' limit 1"
    )
    assert "新名称" in detail


async def test_list_is_limited_to_the_region(client, cast):
    for seq in range(1, 6):
        await register(client, cast.shizhong.headers, device_body(seq))
    for seq in range(1, 4):
        await register(client, cast.emei.headers, device_body(seq, county="511181"))
    county = (await client.get(DEVICES, headers=cast.shizhong.headers)).json()
    assert county["total"] == 5 and {d["county_code"] for d in county["items"]} == {"511102"}
    city = (await client.get(f"{DEVICES}?size=2&page=2", headers=cast.sysadmin.headers)).json()
    assert city["total"] == 8 and [d["device_id"] for d in city["items"]] == [
        "LS-511102-0003",
        "LS-511102-0004",
    ]
    narrowed = (await client.get(f"{DEVICES}?region=511181", headers=cast.sysadmin.headers)).json()
    assert narrowed["total"] == 3
    peek = (await client.get(f"{DEVICES}?region=511181", headers=cast.shizhong.headers)).json()
    assert peek["total"] == 0
    town = (await client.get(f"{DEVICES}?region=511102004", headers=cast.shizhong.headers)).json()
    assert town["total"] == 3  # seq 1, 3, 4 sit in 大佛街道 (outlets 511102004xxx)


async def test_filters(client, cast):
    for seq in range(1, 4):
        await register(
            client,
            cast.shizhong.headers,
            device_body(seq, device_type="自助服务终端" if seq == 2 else "自助制发卡一体机"),
        )
    await client.post(f"{DEVICES}/LS-511102-0003/deactivate", headers=cast.shizhong.headers)
    sql("update terminal_device set last_seen_at = now() where device_id = 'LS-511102-0001'")

    async def ids(query: str) -> list[str]:
        response = await client.get(f"{DEVICES}?{query}", headers=cast.shizhong.headers)
        return [d["device_id"] for d in response.json()["items"]]

    assert await ids("status=停用") == ["LS-511102-0003"]
    assert await ids("device_type=自助服务终端") == ["LS-511102-0002"]
    assert await ids("online=true") == ["LS-511102-0001"]
    assert await ids("online=false") == ["LS-511102-0002", "LS-511102-0003"]
    assert await ids("q=0002") == ["LS-511102-0002"]
    assert await ids("q=%25") == []  # a literal %, not a wildcard


async def test_deactivate_and_activate(client, cast):
    await register(client, cast.shizhong.headers, device_body(1))
    off = await client.post(f"{DEVICES}/LS-511102-0001/deactivate", headers=cast.shizhong.headers)
    assert off.json()["status"] == "停用"
    on = await client.post(f"{DEVICES}/LS-511102-0001/activate", headers=cast.shizhong.headers)
    assert on.json()["status"] == "启用"


async def test_export_is_a_neutralised_workbook(client, cast):
    await register(client, cast.shizhong.headers, device_body(1, serial_no="-23", manufacturer="厂商甲"))
    await register(client, cast.emei.headers, device_body(1, county="511181"))
    response = await client.get(f"{DEVICES}/export", headers=cast.shizhong.headers)
    assert response.status_code == 200 and "filename*=UTF-8''" in response.headers["content-disposition"]
    rows = read_workbook(response.content)
    assert rows[0][:2] == ["设备编号*", "设备名称*"] and len(rows) == 2
    assert rows[1][0] == "LS-511102-0001" and rows[1][8] == "'-23"
