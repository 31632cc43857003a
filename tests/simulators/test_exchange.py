"""The municipal exchange drop (市共享交换平台): directories, encodings, manifests, broken deliveries."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from types import SimpleNamespace

import pytest

from simulators import exchange, places
from simulators.institutions import institutions
from yikatong import regions


@pytest.fixture
def drop(tmp_path):
    return exchange.write_directories(SimpleNamespace(seed=7), root=tmp_path), tmp_path


def _manifest(path):
    return json.loads(path.with_name(path.name + ".manifest.json").read_text(encoding="utf-8"))


def test_every_dataset_has_a_file_and_a_manifest(drop):
    result, root = drop
    inbox = root / "exchange" / "inbox"
    data_files = [f for f in result.files if not f.name.endswith(".manifest.json")]
    assert len(data_files) == len(exchange.DATASETS) == 5
    assert len(result.files) == 10
    assert {f.parent for f in result.files} == {inbox}
    assert sorted(p.name for p in inbox.iterdir()) == sorted(f.name for f in result.files)  # no temp files
    for f in data_files:
        m = _manifest(f)
        assert m["sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
        assert m["file"] == f.name and m["produced_at"].startswith("2026-11-27T")
        assert {"department", "dataset", "rows", "encoding", "columns"} <= m.keys()


def _rows(path, encoding):
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding))))


def test_csv_encodings_and_row_counts(drop):
    result, _ = drop
    by_stem = {f.name.split("_2026")[0]: f for f in result.files if not f.name.endswith(".json")}
    gbk = by_stem["scjg_ypls"]
    with pytest.raises(UnicodeDecodeError):
        gbk.read_bytes().decode("utf-8")
    rows = _rows(gbk, "gbk")
    pharmacies = [k for k in institutions(7)["kind"].to_pylist() if k == "药店"]
    assert rows[0] == list(_manifest(gbk)["columns"]) and len(rows) - 1 == _manifest(gbk)["rows"] == len(
        pharmacies
    )
    assert any("漹" in r[1] for r in rows[1:])  # a rare character (夹江 漹城街道) survives GBK
    assert b"\r\n" in gbk.read_bytes()
    for stem in ("wjw_yljg", "wglj_ggtsg", "jrjg_yhwd"):
        f = by_stem[stem]
        assert f.read_bytes().startswith(b"\xef\xbb\xbf")
        rows = _rows(f, "utf-8-sig")
        assert len(rows) - 1 == _manifest(f)["rows"] > 0
        assert all(len(r) == len(rows[0]) for r in rows)


def test_jsonl_scenic_spots_are_real_leshan_places(drop):
    result, _ = drop
    f = next(f for f in result.files if f.suffix == ".jsonl")
    spots = [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines()]
    assert len(spots) == _manifest(f)["rows"] == len(places.SCENIC_SPOTS)
    names = {s["jqmc"] for s in spots}
    assert {"乐山大佛景区", "峨眉山景区", "嘉阳小火车景区", "黑竹沟景区", "沐川竹海景区"} <= names
    assert all(regions.exists(s["xzqhdm"]) and s["qxdm"] in regions.COUNTIES for s in spots)


def test_bank_outlets_and_libraries_cover_the_city(drop):
    result, _ = drop
    csvs = {f.name.split("_2026")[0]: f for f in result.files if f.suffix == ".csv"}
    banks = _rows(csvs["jrjg_yhwd"], "utf-8-sig")
    assert len(banks) - 1 == len(places.bank_outlets()) == 132
    assert {r[3] for r in banks[1:]} <= {"102", "103", "104", "105", "313", "402"}
    libs = _rows(csvs["wglj_ggtsg"], "utf-8-sig")
    assert {r[3] for r in libs[1:]} == set(regions.COUNTIES)


def test_deterministic(drop, tmp_path_factory):
    result, _ = drop
    again = exchange.write_directories(SimpleNamespace(seed=7), root=tmp_path_factory.mktemp("again"))
    assert again.digest == result.digest
    assert [f.name for f in again.files] == [f.name for f in result.files]


def test_default_root_is_the_sources_dir(monkeypatch, tmp_path):
    from yikatong.settings import get_settings

    monkeypatch.setenv("YKT_HOME", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert exchange.inbox_dir() == tmp_path / "sources" / "exchange" / "inbox"
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize("defect", exchange.MALFORMED_DEFECTS)
def test_malformed_files_show_exactly_their_defect(tmp_path, defect):
    path = exchange.write_malformed(tmp_path, defect)
    data, manifest = path.read_bytes(), _manifest(path)
    checksum_ok = manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert checksum_ok == (defect != "checksum_mismatch")
    try:
        text = data.decode(manifest["encoding"])
    except UnicodeDecodeError:
        assert defect == "bad_encoding"
        return
    assert defect != "bad_encoding"
    widths = {len(r) for r in csv.reader(io.StringIO(text))}
    assert (len(widths) > 1) == (defect == "wrong_columns")


def test_malformed_to_an_explicit_file_name(tmp_path):
    path = exchange.write_malformed(tmp_path / "wglj_ggtsg_20261127.csv", "checksum_mismatch")
    assert path.exists() and _manifest(path)["file"] == path.name
    with pytest.raises(ValueError, match="未知的损坏类型"):
        exchange.write_malformed(tmp_path, "nope")
