"""The loader's refusals: an unreachable metadata database is a clear Chinese error, nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from superset_assets import config, loader
from yikatong import db
from yikatong.settings import get_settings


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("YKT_DATABASE_URL", "postgresql://postgres@127.0.0.1:9/postgres")
    monkeypatch.setenv("YKT_HOME", str(tmp_path))
    get_settings.cache_clear()
    db._forget_server()
    yield tmp_path
    monkeypatch.undo()
    get_settings.cache_clear()
    db._forget_server()


def test_unreachable_database_is_a_clear_error(unreachable: Path) -> None:
    with pytest.raises(loader.SupersetLoadError) as caught:
        loader.load()
    assert str(caught.value).startswith("无法连接 Superset 元数据库（PostgreSQL 数据库 superset）")
    assert "YKT_DATABASE_URL" in str(caught.value)
    assert not (unreachable / "superset" / "superset_config.py").exists()


def test_config_has_no_plain_session_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YKT_HOME", str(tmp_path))
    monkeypatch.setenv("YKT_DATABASE_URL", "postgresql://ykt:pw@db.example:5432/postgres")
    get_settings.cache_clear()
    db._forget_server()
    try:
        path = config.write_config(port=8123)
        text = path.read_text()
        assert get_settings().session_secret not in text
        assert f"SECRET_KEY = {config.secret_key()!r}" in text
        assert "SUPERSET_WEBSERVER_PORT = 8123" in text
        assert "postgresql+psycopg2://ykt:pw@db.example:5432/superset" in text
        assert path.stat().st_mode & 0o777 == 0o600
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        db._forget_server()
