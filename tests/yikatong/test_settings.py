import pytest
from pydantic import ValidationError

from yikatong.settings import DEMO_SECRETS, Settings


def test_demo_profile_has_working_defaults():
    s = Settings(profile="demo")
    assert s.sm4_keys == DEMO_SECRETS["sm4_keys"]
    assert s.lake_root.endswith("lake")


def test_prod_refuses_demo_secrets(monkeypatch):
    monkeypatch.setenv("YKT_PROFILE", "prod")
    monkeypatch.setenv("YKT_DATABASE_URL", "postgresql://u:p@db/postgres")
    with pytest.raises(ValidationError, match="真实密钥"):
        Settings()


def test_prod_starts_with_real_secrets(monkeypatch):
    env = {
        "YKT_PROFILE": "prod",
        "YKT_DATABASE_URL": "postgresql://u:p@db/postgres",
        "YKT_SM4_KEYS": "k2026:" + "ab" * 16,
        "YKT_TOKEN_KEY": "cd" * 32,
        "YKT_AUDIT_KEY": "ef" * 32,
        "YKT_SESSION_SECRET": "12" * 32,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert Settings().profile == "prod"


def test_prod_needs_database_url(monkeypatch):
    for key, value in {"YKT_SM4_KEYS": "k:" + "ab" * 16, "YKT_TOKEN_KEY": "cd" * 32,
                       "YKT_AUDIT_KEY": "ef" * 32, "YKT_SESSION_SECRET": "12" * 32}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError, match="YKT_DATABASE_URL"):
        Settings(profile="prod")
