"""共享清单 `manifest.json`：交付的文件、行数、SM3 校验值，及平台的 SM2 签名。

Interface (what the exchange verifies): the manifest is a JSON object; ``signature`` is the
base64 DER SM3withSM2 signature (default signer ID) over the canonical JSON of every other field
(keys sorted, no spaces, UTF-8, ``ensure_ascii=False``); ``public_key`` is the signer's key as the
exchange registered it. Each ``files[]`` item names a CSV file with a header line, its data
``rows`` and its ``sm3`` (hex, over the file's bytes).
"""

from __future__ import annotations

import base64
import json
from datetime import date

import pyarrow as pa

from services.catalog import signing
from services.catalog.departments import name_of
from services.catalog.share_file import WrittenFile

MANIFEST = "manifest.json"
FORMAT = "ykt-share/1"
SENDER = "YKT"
SENDER_NAME = "乐山市居民服务一卡通平台"


def canonical(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def file_entry(name: str, dataset: str, grant_id: int, table: pa.Table, written: WrittenFile) -> dict:
    return {
        "file": name,
        "dataset": dataset,
        "grant_id": grant_id,
        "columns": table.column_names,
        "rows": table.num_rows,
        "bytes": written.size,
        "sm3": written.sm3,
    }


def build(department: str, ds: date, files: list[dict]) -> dict:
    _, public = signing.keypair()
    return {
        "format": FORMAT,
        "sender": SENDER,
        "sender_name": SENDER_NAME,
        "department": department,
        "department_name": name_of(department) or department,
        "business_date": ds.isoformat(),
        "files": files,
        "rows": sum(f["rows"] for f in files),
        "public_key": public,
    }


def signed_bytes(body: dict) -> bytes:
    """The manifest file's bytes: the body plus its deterministic signature."""
    private, public = signing.keypair()
    signature = base64.b64encode(signing.sign(canonical(body), private, public)).decode()
    return json.dumps({**body, "signature": signature}, ensure_ascii=False, sort_keys=True, indent=1).encode()
