"""Excel 批量登记：模板、1000 行、逐行原因、失败行往返、幂等、LibreOffice 保存的工作簿、坏文件。"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

import pytest
from openpyxl import load_workbook

from services.terminals.excel import HEADER
from tests.services.helpers import (
    EMEI_OUTLET,
    device_body,
    read_workbook,
    row_of,
    sql,
    upload,
    workbook_bytes,
)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
IMPORTS = "/api/v1/admin/device-imports"


def rows(count: int, start: int = 1) -> list[list]:
    return [row_of(device_body(seq)) for seq in range(start, start + count)]


def nothing_written() -> bool:
    return sql(
        "select (select count(*) from terminal_device) + (select count(*) from device_import_batch)"
    ) == [(0,)]


async def test_template(client, cast):
    response = await client.get(f"{IMPORTS}/template", headers=cast.shizhong.headers)
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["设备登记", "填写说明", "网点代码"]
    assert [c.value for c in wb["设备登记"][1]] == HEADER
    assert "自助制发卡一体机" in wb["设备登记"].data_validations.dataValidation[0].formula1
    outlets = [r[0] for r in wb["网点代码"].iter_rows(min_row=2, values_only=True)]
    assert len(outlets) == 34 and all(code.startswith("511102") for code in outlets)


async def test_thousand_rows(client, cast):
    response = await upload(client, cast.shizhong.headers, workbook_bytes(rows(1000)))
    assert response.status_code == 201, response.text
    result = response.json()
    assert (result["status"], result["total"], result["created"], result["failed"]) == ("成功", 1000, 1000, 0)
    assert len({c["secret"] for c in result["credentials"]}) == 1000 and result["failures_url"] is None
    assert sql("select count(*) from terminal_device where import_batch_id is not null") == [(1000,)]
    again = await client.get(f"{IMPORTS}/{result['batch_id']}", headers=cast.shizhong.headers)
    assert again.json()["created"] == 1000 and "credentials" not in again.json()
    listed = (await client.get(IMPORTS, headers=cast.shizhong.headers)).json()
    assert listed["total"] == 1 and listed["items"][0]["status"] == "成功"


async def test_1001_rows_are_refused(client, cast):
    response = await upload(client, cast.shizhong.headers, workbook_bytes(rows(1001)))
    assert response.status_code == 422 and response.json()["code"] == "TOO_MANY_ROWS"
    assert "1000" in response.json()["message"] and nothing_written()


BAD_ROWS = [
    (row_of(device_body(1)), None),
    (["LS-123", "名称", "自助服务终端", "511102004001", "地址"], "设备编号：设备编号格式应为"),
    (row_of(device_body(3, outlet="511102999001")), "网点代码：网点代码应为 12 位"),
    (row_of(device_body(4, county="511181", outlet=EMEI_OUTLET)), "网点不在您的管辖区域内"),
    (row_of(device_body(1)), "与第 2 行的设备编号重复"),
    (row_of(device_body(6, name="=1+1")), "设备名称：不能以 =、+、-、@ 开头"),
    (row_of(device_body(7, longitude=103.7)), "经度与纬度应同时填写"),
    (["LS-511102-0008", None, "自助服务终端", "511102004001", "地址"], "设备名称：必填"),
    (row_of(device_body(9, device_type="冰箱")), "设备类型：取值应为"),
    (row_of(device_body(10, longitude="东经", latitude=29.5)), "经度：应为数字"),
]


async def test_bad_cells_are_reported_per_row(client, cast):
    response = await upload(client, cast.shizhong.headers, workbook_bytes([r for r, _ in BAD_ROWS]))
    result = response.json()
    assert (result["status"], result["created"], result["failed"]) == ("部分失败", 1, 9)
    reasons = {f["row"]: f["reason"] for f in result["failures"]}
    for number, (_, expected) in enumerate(BAD_ROWS, start=2):
        assert (expected is None and number not in reasons) or expected in reasons[number], (number, reasons)
    assert sql("select device_id from terminal_device") == [("LS-511102-0001",)]


async def test_failed_rows_round_trip_until_all_succeed(client, cast):
    bad_outlet = ["LS-511102-0004", "坏网点", "自助服务终端", "511102999001", "地址"]
    sheet = [*rows(3), bad_outlet, ["=1+1", "@x", "+y", "-z", "地址"]]
    first = (await upload(client, cast.shizhong.headers, workbook_bytes(sheet))).json()
    assert (first["status"], first["created"], first["failed"]) == ("部分失败", 3, 2)
    download = await client.get(first["failures_url"], headers=cast.shizhong.headers)
    failed = read_workbook(download.content)
    assert failed[0] == [*HEADER, "失败原因"] and len(failed) == 3
    assert failed[2][:4] == ["'=1+1", "'@x", "'+y", "'-z"]  # neutralised, read back as text
    cells = load_workbook(io.BytesIO(download.content)).worksheets[0]
    assert all(c.data_type == "s" for c in cells[3][:4])
    failed[1][3] = "511102004001"
    failed[2][:4] = ["LS-511102-0005", "修好的设备", "自助服务终端", "511102006001"]
    second = await upload(client, cast.shizhong.headers, workbook_bytes(failed[1:], header=failed[0]))
    result = second.json()
    assert (result["status"], result["created"], result["failed"]) == ("成功", 2, 0), result
    assert sql("select count(*) from terminal_device") == [(5,)]


async def test_reupload_is_idempotent_by_device_id(client, cast):
    data = workbook_bytes(rows(5))
    await upload(client, cast.shizhong.headers, data)
    again = (await upload(client, cast.shizhong.headers, data)).json()
    assert (again["status"], again["created"], again["unchanged"], again["credentials"]) == ("成功", 0, 5, [])
    changed = rows(5)
    changed[0][1] = "改了名字"
    third = (await upload(client, cast.shizhong.headers, workbook_bytes(changed))).json()
    assert (third["status"], third["unchanged"], third["failed"]) == ("部分失败", 4, 1)
    assert "已存在" in third["failures"][0]["reason"]
    assert sql("select count(*) from terminal_device") == [(5,)]


async def test_all_rows_failing_is_失败(client, cast):
    result = (await upload(client, cast.shizhong.headers, workbook_bytes([["x"], ["y"]]))).json()
    assert (result["status"], result["failed"], result["created"]) == ("失败", 2, 0)


@pytest.mark.slow
async def test_workbook_saved_by_libreoffice_calc(client, cast, tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("需要 LibreOffice Calc（scripts/setup-system.sh 安装 libreoffice-calc）")
    lines = [",".join(HEADER)]
    for seq in range(1, 21):
        outlet, place = f"51110200400{1 + seq % 2}", f"103.7{seq},29.5{seq}"
        lines.append(
            f"LS-511102-{seq:04d},自助机{seq}号,自助服务终端,{outlet},某路{seq}号,{place},厂商,SN{seq},10.0.0.{seq}"
        )
    (tmp_path / "devices.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    profile = f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}"
    convert = ["--headless", "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(tmp_path)]
    subprocess.run(
        [soffice, profile, *convert, str(tmp_path / "devices.csv")],
        check=True,
        capture_output=True,
        timeout=180,
    )
    data = (tmp_path / "devices.xlsx").read_bytes()
    assert b"LibreOffice" in zipfile.ZipFile(io.BytesIO(data)).read("docProps/app.xml")
    typed = load_workbook(io.BytesIO(data)).worksheets[0]["D2"].value
    assert isinstance(typed, int)  # Calc typed the outlet code as a number; the import copes
    result = (await upload(client, cast.shizhong.headers, data, name="calc.xlsx")).json()
    assert (result["status"], result["created"]) == ("成功", 20), result
    [(longitude, outlet)] = sql(
        "select longitude, outlet_code from terminal_device where device_id = 'LS-511102-0003'"
    )
    assert (longitude, outlet) == (103.73, "511102004002")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 422, "FILE_EMPTY"),
        ("设备编号,设备名称\nLS-511102-0001,x\n".encode(), 415, "FILE_NOT_XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, 415, "FILE_NOT_XLSX"),
        (_zip({"hello.txt": b"hi"}), 415, "FILE_NOT_XLSX"),
        (workbook_bytes(rows(3))[:900], 415, "FILE_NOT_XLSX"),
        (_zip({"xl/workbook.xml": b"<not-xml", "[Content_Types].xml": b"<x/>"}), 422, "FILE_INVALID"),
        (_zip({"xl/workbook.xml": b"<a/>", "xl/big.xml": b"\0" * (65 * 1024 * 1024)}), 413, "FILE_TOO_LARGE"),
        (workbook_bytes([], header=["编号", "名称"]), 422, "TEMPLATE_MISMATCH"),
        (workbook_bytes([]), 422, "FILE_EMPTY"),
    ],
    ids=["empty", "csv", "xls", "zip", "truncated", "broken-xml", "zip-bomb", "header", "no-rows"],
)
async def test_bad_files_are_refused_and_nothing_written(client, cast, data, status, code):
    response = await upload(client, cast.shizhong.headers, data)
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert nothing_written()


async def test_oversized_upload_is_refused(client, cast):
    response = await upload(client, cast.shizhong.headers, b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024 + 10))
    assert response.status_code == 413 and nothing_written()


async def test_upload_without_a_file(client, cast):
    response = await client.post(IMPORTS, headers=cast.shizhong.headers, data={"x": "1"})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "body.file"
