import pytest
import sqlalchemy as sa

from yikatong import db
from yikatong.settings import get_settings

pytestmark = pytest.mark.integration


def test_databases_exist_and_creation_is_idempotent():
    db.ensure_databases()
    assert db.ensure_databases() == []
    info = db.status()
    assert info["running"] and all(info["databases"].values())


def test_embedded_server_restarts_and_keeps_data():
    if get_settings().database_url:
        pytest.skip("external server configured: nothing embedded to stop")
    with db.engine("ops").begin() as conn:
        conn.execute(sa.text("create table if not exists t_reuse (x int)"))
        conn.execute(sa.text("truncate t_reuse; insert into t_reuse values (42)"))
    db.engine("ops").dispose()
    assert db.stop() is True
    assert db.status()["running"] is False
    assert db.stop() is False
    db.server_url.cache_clear()
    with db.engine("ops").begin() as conn:
        assert conn.scalar(sa.text("select x from t_reuse")) == 42
        conn.execute(sa.text("drop table t_reuse"))


def test_dsn_is_libpq():
    assert db.dsn("analytics").startswith("postgresql://")
    assert "analytics" in db.dsn("analytics")


@pytest.mark.parametrize(
    ("url", "message"),
    [("not a url", "格式错误"), ("mysql://u@h/db", "PostgreSQL")],
)
def test_malformed_database_url(monkeypatch, url, message):
    monkeypatch.setattr(get_settings(), "database_url", url)
    db.server_url.cache_clear()
    try:
        with pytest.raises(db.DatabaseError, match=message):
            db.server_url()
    finally:
        monkeypatch.undo()
        db.server_url.cache_clear()


def test_unreachable_database_url(monkeypatch):
    monkeypatch.setattr(get_settings(), "database_url", "postgresql://u:p@127.0.0.1:1/postgres")
    db.server_url.cache_clear()
    try:
        with pytest.raises(db.DatabaseError, match="无法连接"):
            db.ensure_databases()
    finally:
        monkeypatch.undo()
        db.server_url.cache_clear()
