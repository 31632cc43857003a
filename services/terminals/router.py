"""设备登记与管理：`/api/v1/admin/devices/...`（仅限本人区域及下级区域）。"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from services.base.audit import AuditDep
from services.base.db import SessionDep
from services.base.errors import COMMON_RESPONSES
from services.base.excel import XLSX_RESPONSE, workbook_response
from services.base.pagination import Page, PageDep
from services.base.permissions import Perm
from services.base.security import CurrentUser, RegionScope, staff_route
from services.terminals import excel, listing
from services.terminals import repository as repo
from services.terminals.schemas import (
    DEVICE_ID_HINT,
    Credential,
    DeviceCreate,
    DeviceCreated,
    DeviceOut,
    DeviceUpdate,
)

router = APIRouter(prefix="/api/v1/admin/devices", tags=["设备管理"], responses=COMMON_RESPONSES)
DeviceId = Annotated[str, Path(max_length=20, description=DEVICE_ID_HINT)]
NOT_FOUND = {404: {"description": "设备不存在或不在您的管辖区域内"}}


def _route(summary: str, action: str, *, write: bool = False, **kwargs) -> dict:
    return staff_route(summary, Perm.DEVICE_WRITE if write else Perm.DEVICE_READ, action, "device", **kwargs)


def _filters(f: repo.DeviceFilter, **extra) -> dict:
    return {k: v for k, v in vars(f).items() if v is not None} | extra


@router.get("", response_model=Page[DeviceOut], **_route("查询设备", "device.list"))
async def list_devices(scope: RegionScope, page: PageDep, f: repo.FilterDep, audit: AuditDep) -> Response:
    """本人所属区域及下级区域内的设备，按设备编号排序；可按状态、类型、区域、网点、在线情况筛选。"""
    rows, total = await listing.list_page(scope, f, page)
    await audit.read(detail=_filters(f, page=page.page, total=total))
    return listing.page_response(rows, total, page)


@router.post(
    "",
    response_model=DeviceCreated,
    status_code=status.HTTP_201_CREATED,
    **_route("登记设备", "device.create", write=True, responses={409: {"description": "设备编号已存在"}}),
)
async def register(
    body: DeviceCreate, session: SessionDep, scope: RegionScope, user: CurrentUser, audit: AuditDep
) -> DeviceCreated:
    """登记一台设备并签发其凭证（密钥只在本次响应中返回一次）。网点须在本人区域内。"""
    device, secret = await repo.register(session, scope, body, user)
    await audit.commit(session, object_id=device.device_id, detail={"outlet_code": device.outlet_code})
    credential = Credential(device_id=device.device_id, secret=secret, issued_at=device.credential_issued_at)
    return DeviceCreated(**repo.device_out(device), credential=credential)


@router.get(
    "/export", response_class=Response, **_route("导出设备清单", "device.export", responses=XLSX_RESPONSE)
)
async def export(session: SessionDep, scope: RegionScope, f: repo.FilterDep, audit: AuditDep) -> Response:
    """按与查询相同的筛选条件导出为 .xlsx（最多 5 万台），文本单元格经公式注入防护。"""
    devices = await repo.export_devices(session, scope, f)
    await audit.commit(session, detail=_filters(f, rows=len(devices)))
    return workbook_response(excel.export_workbook(devices), "设备清单.xlsx")


@router.get(
    "/{device_id}", response_model=DeviceOut, **_route("设备详情", "device.read", responses=NOT_FOUND)
)
async def get_device(
    device_id: DeviceId, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> DeviceOut:
    """一台设备的信息（不含凭证）。"""
    device = await repo.get_device(session, scope, device_id)
    await audit.commit(session)
    return DeviceOut(**repo.device_out(device))


@router.patch(
    "/{device_id}",
    response_model=DeviceOut,
    **_route("编辑设备", "device.update", write=True, responses=NOT_FOUND),
)
async def update_device(
    device_id: DeviceId, body: DeviceUpdate, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> DeviceOut:
    """修改设备信息；设备编号不可修改。改到的新网点也须在本人区域内。"""
    device = await repo.get_device(session, scope, device_id, lock=True)
    diff = repo.update(scope, device, body)
    await audit.commit(session, detail=diff)
    return DeviceOut(**repo.device_out(device))


@router.post(
    "/{device_id}/deactivate",
    response_model=DeviceOut,
    **_route("停用设备", "device.deactivate", write=True, responses=NOT_FOUND),
)
async def deactivate(
    device_id: DeviceId, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> DeviceOut:
    """停用后设备的签名请求一律拒绝；设备记录保留。"""
    return await _set_status(device_id, "停用", session, scope, audit)


@router.post(
    "/{device_id}/activate",
    response_model=DeviceOut,
    **_route("重新启用设备", "device.activate", write=True, responses=NOT_FOUND),
)
async def activate(
    device_id: DeviceId, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> DeviceOut:
    """恢复已停用设备的签名请求。"""
    return await _set_status(device_id, "启用", session, scope, audit)


async def _set_status(device_id: str, new: str, session: SessionDep, scope: RegionScope, audit: AuditDep):
    device = await repo.get_device(session, scope, device_id, lock=True)
    old, device.status = device.status, new
    await audit.commit(session, detail={"status": [old, new]})
    return DeviceOut(**repo.device_out(device))


@router.post(
    "/{device_id}/credential",
    response_model=Credential,
    **_route("重新签发设备凭证", "device.credential.reissue", write=True, responses=NOT_FOUND),
)
async def reissue(
    device_id: DeviceId, session: SessionDep, scope: RegionScope, audit: AuditDep
) -> Credential:
    """作废旧密钥并签发新密钥（只返回这一次），用于设备更换或密钥泄露。"""
    device = await repo.get_device(session, scope, device_id, lock=True)
    secret = repo.reissue_credential(device)
    await audit.commit(session)
    return Credential(device_id=device.device_id, secret=secret, issued_at=device.credential_issued_at)
