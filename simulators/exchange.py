"""市共享交换平台 (the municipal data-sharing exchange): other departments' directories as dropped files.

Seed 三(三)2: the platform obtains "other data related to one-card services" through the city's
exchange. Departments ship what their own systems export, so the formats differ the way they do in
practice:

- 市卫生健康委员会, 医疗机构名录: `wjw_yljg_<yyyymmdd>.csv`, CSV in UTF-8 with BOM
- 市市场监督管理局, 药品零售企业名录: `scjg_ypls_<yyyymmdd>.csv`, CSV in GBK with CRLF (a legacy export)
- 市文化广电旅游局, 旅游景区名录: `wglj_lyjq_<yyyymmdd>.jsonl`, JSON lines in UTF-8, pinyin keys
- 市文化广电旅游局, 公共图书馆名录: `wglj_ggtsg_<yyyymmdd>.csv`, CSV in UTF-8 with BOM
- 国家金融监督管理总局乐山监管分局, 银行业金融机构网点名录: `jrjg_yhwd_<yyyymmdd>.csv`, CSV in UTF-8 with BOM

Every data file has a sidecar `<file>.manifest.json` (department, dataset, rows, columns, encoding,
sha256, produced_at), written after the data file: a file without its manifest is still being
delivered. Both are written under a temporary name and renamed, and their bytes depend only on
the seed (produced_at is fixed from ANCHOR), so two runs give identical files.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from simulators import places
from simulators.scales import ANCHOR
from yikatong import regions
from yikatong.settings import get_settings

PRODUCED_AT = f"{ANCHOR.isoformat()}T18:00:00+08:00"  # the nightly export of the anchor day
MALFORMED_DEFECTS = ("wrong_columns", "bad_encoding", "checksum_mismatch")


@dataclasses.dataclass(frozen=True, slots=True)
class Dataset:
    """One directory a department ships: where it goes, how it is encoded, its columns."""

    department: str
    department_code: str
    name: str
    stem: str  # file name before the date
    format: str  # csv | jsonl
    encoding: str  # utf-8-sig | gbk | utf-8
    columns: tuple[str, ...]
    rows: Callable[[int], list[tuple[Any, ...]]]  # seed -> rows (sorted by their code)

    def file_name(self) -> str:
        suffix = "jsonl" if self.format == "jsonl" else "csv"
        return f"{self.stem}_{ANCHOR:%Y%m%d}.{suffix}"


@dataclasses.dataclass(frozen=True, slots=True)
class ExchangeResult:
    files: list[Path]  # data files and their manifests, in dataset order
    digest: str  # sha256 over every file's bytes in that order


def inbox_dir(root: Path | None = None) -> Path:
    """Where departments drop files: `<sources_dir>/exchange/inbox/`."""
    return (Path(root) if root is not None else get_settings().sources_dir) / "exchange" / "inbox"


def write_directories(world: Any, root: Path | None = None) -> ExchangeResult:
    """Drop every department's directory (and its manifest) into the exchange inbox."""
    inbox = inbox_dir(root)
    digest, files = hashlib.sha256(), []
    for dataset in DATASETS:
        rows = dataset.rows(world.seed)
        target = inbox / dataset.file_name()
        data = encode(dataset, rows)
        manifest = _manifest_bytes(dataset, target.name, data, len(rows))
        for path, content in ((target, data), (_manifest_path(target), manifest)):
            _replace_file(path, content)
            digest.update(content)
            files.append(path)
    return ExchangeResult(files, digest.hexdigest())


def encode(dataset: Dataset, rows: Sequence[Sequence[Any]]) -> bytes:
    """The file's bytes in the department's format and encoding (strict: an unencodable name fails)."""
    if dataset.format == "jsonl":
        lines = [
            json.dumps(dict(zip(dataset.columns, r, strict=True)), ensure_ascii=False, sort_keys=True)
            for r in rows
        ]
        return "".join(line + "\n" for line in lines).encode(dataset.encoding)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if dataset.encoding == "gbk" else "\n")
    writer.writerow(dataset.columns)
    writer.writerows(rows)
    return buffer.getvalue().encode(dataset.encoding)


def _manifest_path(data_path: Path) -> Path:
    return data_path.with_name(data_path.name + ".manifest.json")


def _manifest_bytes(
    dataset: Dataset, file_name: str, data: bytes, rows: int, sha256: str | None = None
) -> bytes:
    manifest = {
        "department": dataset.department,
        "department_code": dataset.department_code,
        "dataset": dataset.name,
        "file": file_name,
        "format": dataset.format,
        "encoding": dataset.encoding,
        "columns": list(dataset.columns),
        "rows": rows,
        "sha256": sha256 or hashlib.sha256(data).hexdigest(),
        "produced_at": PRODUCED_AT,
    }
    return (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _replace_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# ---------------------------------------------------------------- the directories


def _institutions(seed: int) -> pa.Table:
    from simulators.institutions import institutions

    return institutions(seed)


def _institution_rows(seed: int, kind: str) -> list[tuple[Any, ...]]:
    table = _institutions(seed)
    rows = [r for r in table.to_pylist() if r["kind"] == kind]
    rows.sort(key=lambda r: r["code"])
    return [
        (
            r["code"],
            r["name"],
            r["kind"],
            r["county"],
            regions.COUNTIES.get(r["county"], ""),
            r["address"],
            r["phone"],
        )
        for r in rows
    ]


def _hospital_rows(seed: int) -> list[tuple[Any, ...]]:
    return _institution_rows(seed, "医院")


def _pharmacy_rows(seed: int) -> list[tuple[Any, ...]]:
    rows = _institution_rows(seed, "药店")
    return [
        (code, name, "药品零售", county, address, phone)
        for code, name, _k, county, _c, address, phone in rows
    ]


def _scenic_rows(_seed: int) -> list[tuple[Any, ...]]:
    return [(s.code, s.name, s.township, s.county, s.address, s.phone, s.price) for s in places.SCENIC_SPOTS]


def _library_rows(_seed: int) -> list[tuple[Any, ...]]:
    return [
        (lib.code, lib.name, lib.township, lib.county, lib.address, lib.phone) for lib in places.LIBRARIES
    ]


def _bank_outlet_rows(_seed: int) -> list[tuple[Any, ...]]:
    return [(b.code, b.name, b.bank, b.bank_code, b.township, b.county) for b in places.bank_outlets()]


_WGLJ = ("乐山市文化广电旅游局", "WGLJ")
DATASETS: tuple[Dataset, ...] = (
    Dataset("乐山市卫生健康委员会", "WJW", "医疗机构名录", "wjw_yljg", "csv", "utf-8-sig",
            ("机构编码", "机构名称", "机构类别", "所在区县代码", "所在区县", "地址", "联系电话"),
            _hospital_rows),
    Dataset("乐山市市场监督管理局", "SCJG", "药品零售企业名录", "scjg_ypls", "csv", "gbk",
            ("企业编码", "企业名称", "经营类别", "区划代码", "注册地址", "联系电话"), _pharmacy_rows),
    Dataset(*_WGLJ, "旅游景区名录", "wglj_lyjq", "jsonl", "utf-8",
            ("jqbm", "jqmc", "xzqhdm", "qxdm", "dz", "lxdh", "mpjg"), _scenic_rows),
    Dataset(*_WGLJ, "公共图书馆名录", "wglj_ggtsg", "csv", "utf-8-sig",
            ("图书馆编码", "图书馆名称", "乡镇街道代码", "区县代码", "地址", "联系电话"), _library_rows),
    Dataset("国家金融监督管理总局乐山监管分局", "JRJG", "银行业金融机构网点名录", "jrjg_yhwd", "csv",
            "utf-8-sig", ("网点编码", "网点名称", "银行名称", "银行代码", "乡镇街道代码", "区县代码"),
            _bank_outlet_rows),
)  # fmt: skip


# ---------------------------------------------------------------- broken deliveries


def write_malformed(path: Path, defect: str = "wrong_columns") -> Path:
    """Drop a broken delivery at `path` (a file, or a folder to put one in) with its manifest.

    `wrong_columns`: a row has more fields than the header; `bad_encoding`: the manifest says UTF-8
    but the bytes are GBK; `checksum_mismatch`: the manifest's sha256 is not the file's. Each file is
    otherwise well formed, so an ingester that rejects it has found exactly that defect.
    """
    if defect not in MALFORMED_DEFECTS:
        raise ValueError(f"未知的损坏类型 {defect!r}，可选 {', '.join(MALFORMED_DEFECTS)}")
    path = Path(path)
    if path.is_dir():
        path = path / f"bad_{defect}_{ANCHOR:%Y%m%d}.csv"
    dataset = DATASETS[3]  # a library directory, the smallest
    rows = _library_rows(0)[:3]
    data, sha = encode(dataset, rows), None
    if defect == "wrong_columns":
        data += "TSG9999,多一列的图书馆,511102004,511102,地址,0833-2100099,多余字段\n".encode()
        rows = [*rows, ()]
    elif defect == "bad_encoding":
        data = encode(dataclasses.replace(dataset, encoding="gbk"), rows)  # manifest still says utf-8-sig
    else:
        sha = hashlib.sha256(data + b"tampered").hexdigest()
    _replace_file(path, data)
    _replace_file(_manifest_path(path), _manifest_bytes(dataset, path.name, data, len(rows), sha256=sha))
    return path
