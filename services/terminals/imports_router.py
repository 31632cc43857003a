"""设备 Excel 批量登记：`/api/v1/admin/device-imports/...`（模板、上传、结果、失败行下载）。"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, File, Response, UploadFile, status

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES, ErrorBody
from services.base.excel import XLSX_RESPONSE, workbook_response
from services.base.pagination import Page, PageDep
from services.base.permissions import Perm
from services.base.security import CurrentUser, RegionScope, staff_route
from services.terminals import batches, excel, imports
from services.terminals.schemas import Credential, ImportCreated, ImportResult
from yikatong.settings import get_settings

router = APIRouter(prefix=batches.PREFIX, tags=["设备批量登记"], responses=COMMON_RESPONSES)
NOT_FOUND = {404: {"description": "批次不存在或不在您的管辖区域内"}}
FILE_ERRORS = {
    413: {"model": ErrorBody, "description": "文件过大"},
    415: {"model": ErrorBody, "description": "不是 .xlsx"},
}


def _route(summary: str, action: str, *, write: bool = False, **kwargs) -> dict:
    return staff_route(
        summary, Perm.DEVICE_WRITE if write else Perm.DEVICE_READ, action, "device_import", **kwargs
    )


@router.get(
    "/template",
    response_class=Response,
    **_route("下载登记模板", "device.import.template", responses=XLSX_RESPONSE),
)
async def template(user: CurrentUser, session: SessionDep, audit: AuditDep) -> Response:
    """xlsx 模板：登记表（设备类型下拉）、填写说明、本人区域内的网点代码。"""
    await audit.commit(session)
    return workbook_response(excel.template(user.region_code), "设备批量登记模板.xlsx")


@router.post(
    "",
    response_model=ImportCreated,
    status_code=status.HTTP_201_CREATED,
    **_route("上传并批量登记", "device.import", write=True, responses=FILE_ERRORS),
)
async def upload(
    session: SessionDep,
    scope: RegionScope,
    user: CurrentUser,
    audit: AuditDep,
    file: UploadFile = File(description="按模板填写的 .xlsx 文件"),
) -> ImportCreated:
    """上传按模板填写的 .xlsx（每个文件最多 1000 行），逐行校验后登记。

    结果为 成功 / 部分失败 / 失败；有失败行时可下载失败行（原列 + 失败原因列），修改后重新上传。
    同一设备编号、信息一致的行视为已登记（幂等），不会重复登记。新增设备的凭证只在本次响应中返回。
    """
    data = await file.read(get_settings().upload_max_bytes + 1)
    batch, out = await imports.run(session, scope, user, file.filename or "upload.xlsx", data)
    counts = {"created": batch.created, "unchanged": batch.unchanged, "failed": batch.failed}
    await audit.commit(
        session, object_id=str(batch.id), detail={"file": batch.file_name, "status": batch.status} | counts
    )
    result = await batches.result(session, batch)
    credentials = [Credential(device_id=k, secret=v) for k, v in out.secrets.items()]
    return ImportCreated(**result.model_dump(), credentials=credentials)


@router.get("", response_model=Page[ImportResult], **_route("批次列表", "device.import.list"))
async def list_batches(
    session: SessionDep, scope: RegionScope, page: PageDep, audit: AuditDep
) -> Page[ImportResult]:
    """本人区域及下级区域内上传的批次，最新的在前。"""
    found, total = await batches.list_batches(session, scope, page)
    await audit.commit(session, detail={"page": page.page, "total": total})
    items = [await batches.result(session, b, with_failures=False) for b in found]
    return Page(items=items, total=total, page=page.page, size=page.size)


@router.get(
    "/{batch_id}",
    response_model=ImportResult,
    **_route("批次结果", "device.import.read", responses=NOT_FOUND),
)
async def get_batch(
    batch_id: uuid.UUID, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> ImportResult:
    """一个批次的结果与失败行原因。"""
    batch = await batches.get_batch(session, scope, batch_id)
    await audit.commit(session)
    return await batches.result(session, batch)


@router.get(
    "/{batch_id}/failures",
    response_class=Response,
    **_route("下载失败行", "device.import.failures", responses=NOT_FOUND | XLSX_RESPONSE),
)
async def failures(batch_id: uuid.UUID, session: SessionDep, scope: RegionScope, audit: AuditDep) -> Response:
    """失败行工作簿：原列 + “失败原因”列；修改后可直接重新上传。"""
    batch = await batches.get_batch(session, scope, batch_id)
    rows = await batches.failed_cells(session, batch)
    await audit.commit(session, detail={"failed": batch.failed})
    return workbook_response(excel.failures_workbook(rows), f"失败行-{batch.id.hex[:8]}.xlsx")
