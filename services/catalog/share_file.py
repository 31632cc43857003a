"""共享文件的写出：表 → UTF-8 CSV 文件，写的同时计算 SM3（一次遍历，不在内存里另留一份）.

The CSV goes through a sink that feeds every chunk Arrow writes to the file and to SM3 at once.
It is written beside the target and moved into place; when the target already holds exactly these
bytes (a rerun), the new copy is dropped and the old file (and its mtime) stays.
"""

from __future__ import annotations

import filecmp
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

CSV_OPTIONS = pacsv.WriteOptions(include_header=True, batch_size=65_536)


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    sm3: str
    size: int


def _sm3():
    """An incremental SM3 (OpenSSL's, through hashlib or else ``cryptography``)."""
    try:
        return hashlib.new("sm3")
    except ValueError:  # an OpenSSL built without SM3 in hashlib
        from cryptography.hazmat.primitives import hashes

        class _Sm3:
            def __init__(self) -> None:
                self._hash = hashes.Hash(hashes.SM3())

            def update(self, data) -> None:
                self._hash.update(bytes(data))

            def hexdigest(self) -> str:
                return self._hash.finalize().hex()

        return _Sm3()


class _HashingSink:
    """The file-like object Arrow writes to: each chunk goes to the file and into SM3."""

    closed = False

    def __init__(self, file) -> None:
        self.file, self.digest, self.size = file, _sm3(), 0

    def write(self, data) -> int:
        self.digest.update(data)
        self.file.write(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self.file.flush()


def write_csv(table: pa.Table, path: Path) -> WrittenFile:
    """``table`` as CSV at ``path`` (header line, strings quoted), with the file's SM3 and size."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as file:
        sink = _HashingSink(file)
        pacsv.write_csv(table, sink, CSV_OPTIONS)
    written = WrittenFile(path, sink.digest.hexdigest(), sink.size)
    if path.exists() and path.stat().st_size == written.size and filecmp.cmp(tmp, path, shallow=False):
        tmp.unlink()  # identical already: leave the file (and its mtime) alone
    else:
        tmp.replace(path)
    return written
