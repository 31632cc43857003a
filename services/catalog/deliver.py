"""交付：把导出的文件和清单上传到市共享交换平台，按回执记账；每个部门每天至多交付一次。

A department and day already delivered with the same manifest (same SM3) is skipped: a rerun makes
no second delivery. One delivered with another manifest (the data changed after delivery) is not
re-sent either; it is reported, for a steward to settle with the exchange. Each delivery and its
receipt are recorded with an audit row in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.base import audit
from services.base.http import tls_context
from services.catalog import manifest as manifests
from services.catalog.export import ExportResult, manifest_sm3
from services.catalog.models import ShareDelivery

UPLOAD_PATH = "/exchange/v1/deliveries"


def exchange_url() -> str:
    """The exchange's base URL (setting ``YKT_EXCHANGE_URL``; by default the local receiver simulator)."""
    from yikatong.settings import get_settings

    return get_settings().exchange_url


class DeliveryRefused(RuntimeError):
    """交换平台拒收（验签、校验值或行数不符等），消息含平台给出的代码与原因。"""


@dataclass
class DeliveryOutcome:
    department: str
    status: str  # 已交付 / 已交付过（跳过） / 冲突（未重发）
    receipt: dict | None


async def _upload(client: httpx.AsyncClient, result: ExportResult) -> dict:
    files = [("manifest", (manifests.MANIFEST, result.manifest_bytes, "application/json"))]
    for item in result.manifest["files"]:
        files.append(("files", (item["file"], (result.folder / item["file"]).read_bytes(), "text/csv")))
    response = await client.post(UPLOAD_PATH, files=files)
    if response.status_code not in (200, 201):
        raise DeliveryRefused(f"交换平台拒收 {result.department}: {response.status_code} {response.text}")
    return response.json()


async def deliver(
    session: AsyncSession, client: httpx.AsyncClient, result: ExportResult, ds: date
) -> DeliveryOutcome:
    """Deliver one department's export for ``ds`` unless it was delivered already."""
    digest = manifest_sm3(result)
    query = sa.select(ShareDelivery).where(
        ShareDelivery.department == result.department, ShareDelivery.business_date == ds
    )
    earlier = await session.scalar(query)
    if earlier is not None:
        status = "已交付过（跳过）" if earlier.manifest_sm3 == digest else "冲突（未重发）"
        return DeliveryOutcome(result.department, status, earlier.receipt)
    receipt = await _upload(client, result)
    session.add(
        ShareDelivery(
            department=result.department,
            business_date=ds,
            manifest_sm3=digest,
            files=len(result.manifest["files"]),
            rows=result.manifest["rows"],
            receipt=receipt,
        )
    )
    row = audit.entry(
        "share",
        "catalog.share.deliver",
        audit.OK,
        object_type="department",
        object_id=result.department,
        detail={
            "business_date": ds.isoformat(),
            "rows": result.manifest["rows"],
            "receipt_id": receipt.get("receipt_id"),
        },
    )
    await audit.append(session, [row])
    await session.commit()
    return DeliveryOutcome(result.department, "已交付", receipt)


async def deliver_all(
    results: list[ExportResult], ds: date, client: httpx.AsyncClient | None = None
) -> list[DeliveryOutcome]:
    from services.base.db import sessionmaker

    own = client is None
    client = client or httpx.AsyncClient(base_url=exchange_url(), timeout=120, verify=tls_context())
    try:
        async with sessionmaker()() as session:
            return [await deliver(session, client, result, ds) for result in results]
    finally:
        if own:
            await client.aclose()
