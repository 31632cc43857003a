"""市共享交换平台的接收端（模拟）：接收平台按授权推送的共享文件，验签、核对校验值，出具回执。

The exchange's upload interface, as the real one would expose it over HTTP:

- ``POST /exchange/v1/deliveries`` (multipart): ``manifest`` (the signed ``manifest.json``) and
  ``files`` (every CSV it lists). Checks, in order: the manifest parses; the sender is registered
  and its ``public_key`` is the registered one; the SM2 signature over the canonical JSON of the
  manifest without ``signature`` verifies; the uploaded files are exactly those listed; each file's
  SM3 and row count match. Any failure is a 4xx ``{code, message, detail}`` and nothing is stored.
  Accepted: 201 with a receipt (回执). The same manifest again: 200 with the first receipt and
  ``duplicate: true`` (no second delivery); a different manifest for a department and day already
  delivered: 409.
- ``GET /exchange/v1/deliveries``: what was received (for the operators, and the tests).

Run it with ``ykt catalog receiver`` (registers this platform's key; port ``YKT_EXCHANGE_PORT``) or
``python -m simulators.exchange_receiver --port 8092 --sender YKT=<public key hex>``;
:func:`start_in_background` is what ``make run`` calls (pid file and log in ``<home>/exchange-receiver/``).
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, File, UploadFile
from fastapi.responses import JSONResponse

from yikatong.background import Background
from yikatong.crypto import sm2_verify, sm3_hex
from yikatong.settings import REPO_ROOT, get_settings

MAX_FILE_BYTES = 512 * 1024 * 1024


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str, detail=None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail


def _canonical(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _data_rows(data: bytes) -> int:
    return max(sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8")))) - 1, 0)


def verify(manifest_bytes: bytes, files: dict[str, bytes], senders: dict[str, str]) -> dict:
    """The manifest when it and the files are genuine; raises :class:`Refused` otherwise."""
    try:
        manifest = json.loads(manifest_bytes)
        signature = base64.b64decode(manifest.pop("signature"), validate=True)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Refused(422, "MANIFEST_INVALID", "清单格式错误", str(exc)) from None
    sender = manifest.get("sender")
    if senders.get(sender) is None or senders[sender] != manifest.get("public_key"):
        raise Refused(403, "SENDER_UNKNOWN", "发送方未登记或公钥不符", sender)
    if not sm2_verify(senders[sender], _canonical(manifest), signature):
        raise Refused(422, "SIGNATURE_INVALID", "清单签名验证失败")
    listed = {f["file"]: f for f in manifest.get("files", [])}
    if set(listed) != set(files):
        detail = {"missing": sorted(set(listed) - set(files)), "unlisted": sorted(set(files) - set(listed))}
        raise Refused(422, "FILES_MISMATCH", "上传文件与清单不一致", detail)
    for name, item in sorted(listed.items()):
        if sm3_hex(files[name]) != item["sm3"]:
            raise Refused(422, "CHECKSUM_MISMATCH", f"文件 {name} 的 SM3 校验值与清单不符", name)
        if _data_rows(files[name]) != item["rows"]:
            raise Refused(422, "ROWS_MISMATCH", f"文件 {name} 的行数与清单不符", name)
    return manifest


class Store:
    """Accepted deliveries on disk (``<root>/<department>/<date>/``) and their receipts."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def receipt_path(self, department: str, day: str) -> Path:
        return self.root / department / day / "receipt.json"

    def receipt(self, department: str, day: str) -> dict | None:
        path = self.receipt_path(department, day)
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def keep(self, manifest: dict, manifest_bytes: bytes, files: dict[str, bytes]) -> dict:
        folder = self.receipt_path(manifest["department"], manifest["business_date"]).parent
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / Path(name).name).write_bytes(data)
        (folder / "manifest.json").write_bytes(manifest_bytes)
        digest = sm3_hex(manifest_bytes)
        receipt = {
            "receipt_id": f"RC{manifest['business_date'].replace('-', '')}{digest[:16].upper()}",
            "status": "已接收",
            "department": manifest["department"],
            "business_date": manifest["business_date"],
            "manifest_sm3": digest,
            "files": len(files),
            "rows": sum(f["rows"] for f in manifest["files"]),
            "received_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.receipt_path(manifest["department"], manifest["business_date"]).write_text(
            json.dumps(receipt, ensure_ascii=False), encoding="utf-8"
        )
        return receipt

    def all(self) -> list[dict]:
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.root.glob("*/*/receipt.json"))]


def create_app(store_root: Path, senders: dict[str, str]) -> FastAPI:
    """The receiver app; ``senders`` maps a sender code to its registered SM2 public key (hex)."""
    app = FastAPI(title="市共享交换平台 接收接口（模拟）")
    store = Store(store_root)

    @app.exception_handler(Refused)
    async def refused(_request, exc: Refused) -> JSONResponse:
        return JSONResponse({"code": exc.code, "message": exc.message, "detail": exc.detail}, exc.status)

    @app.post("/exchange/v1/deliveries")
    async def deliver(manifest: Annotated[UploadFile, File()], files: Annotated[list[UploadFile], File()]):
        manifest_bytes = await manifest.read()
        uploaded: dict[str, bytes] = {}
        for upload in files:
            name = Path(upload.filename or "").name
            if not name or name in uploaded:
                raise Refused(422, "FILES_MISMATCH", "文件名为空或重复", name)
            uploaded[name] = await upload.read(MAX_FILE_BYTES)
        checked = verify(manifest_bytes, uploaded, senders)
        earlier = store.receipt(checked["department"], checked["business_date"])
        if earlier is not None:
            if earlier["manifest_sm3"] != sm3_hex(manifest_bytes):
                raise Refused(
                    409, "ALREADY_DELIVERED", "该部门该日期已交付过不同的文件", earlier["receipt_id"]
                )
            return JSONResponse({**earlier, "duplicate": True}, 200)
        return JSONResponse({**store.keep(checked, manifest_bytes, uploaded), "duplicate": False}, 201)

    @app.get("/exchange/v1/deliveries")
    async def deliveries() -> list[dict]:
        return store.all()

    return app


class ReceiverStartError(RuntimeError):
    """交换平台接收端（模拟）未能在后台启动。"""


def _folder() -> Path:
    return get_settings().home / "exchange-receiver"


RECEIVER = Background(_folder, "exchange-receiver", b"services.catalog.cli\x00receiver")


def local_url() -> str:
    return f"http://127.0.0.1:{get_settings().exchange_port}"


def start_in_background(wait: float = 60) -> str:
    """Serve the receiver in the background (``ykt catalog receiver``) unless the exchange is
    elsewhere (``YKT_EXCHANGE_URL``) or something already answers on its port; one line for humans."""
    settings = get_settings()
    url, port = local_url(), settings.exchange_port
    if settings.exchange_url.rstrip("/") != url:
        return f"市共享交换平台 {settings.exchange_url}（外部，不启动模拟）"
    return RECEIVER.ensure(
        [sys.executable, "-m", "services.catalog.cli", "receiver", "--port", str(port)],
        port=port,
        label=f"交换平台接收端（模拟）{url}",
        ready_url=f"{url}/exchange/v1/deliveries",
        cwd=REPO_ROOT,
        timeout=wait,
        error=ReceiverStartError,
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="市共享交换平台接收端（模拟）")
    parser.add_argument("--port", type=int, default=get_settings().exchange_port)
    parser.add_argument("--store", type=Path, default=get_settings().home / "exchange_received")
    parser.add_argument("--sender", action="append", default=[], help="CODE=SM2 公钥（十六进制）")
    args = parser.parse_args()
    senders = dict(item.split("=", 1) for item in args.sender)
    uvicorn.run(create_app(args.store, senders), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
