"""One settings class for the whole platform, read from `YKT_*` environment variables.

Profiles: `demo` (embedded defaults, demo-only keys), `test` (same, isolated paths), `prod`
(every secret must be given and must not be a demo value: the platform refuses to start).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

# Demo-only secrets: derived from a public label, so they are obviously not secret. `prod` refuses them.
_DEMO_LABEL = b"yikatong-demo-only-not-a-secret"


def _demo_hex(purpose: str, nbytes: int = 16) -> str:
    return hashlib.sha256(_DEMO_LABEL + purpose.encode()).hexdigest()[: nbytes * 2]


DEMO_SECRETS = {
    "sm4_keys": f"demo1:{_demo_hex('sm4')}",
    "token_key": _demo_hex("token", 32),
    "audit_key": _demo_hex("audit", 32),
    "session_secret": _demo_hex("session", 32),
}


class SettingsError(ValueError):
    """Settings that cannot run the platform (message in Chinese and English)."""


class Settings(BaseSettings):
    """Platform settings. Every field maps to `YKT_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="YKT_", extra="ignore")

    profile: Literal["demo", "test", "prod"] = "demo"
    home: Path = Field(default=REPO_ROOT / "var", description="runtime state: pg data, lake, sources")
    database_url: str | None = Field(default=None, description="PostgreSQL server URL; embedded if unset")
    lake_uri: str | None = Field(default=None, description="Delta lake root; <home>/lake if unset")

    # secrets (demo defaults only outside prod)
    sm4_keys: str = Field(default=DEMO_SECRETS["sm4_keys"], description="kid:hex32[,kid:hex32...]")
    sm4_active_key: str | None = None
    token_key: str = Field(default=DEMO_SECRETS["token_key"], description="HMAC-SM3 blind-index key (hex)")
    audit_key: str = Field(default=DEMO_SECRETS["audit_key"], description="HMAC-SM3 audit-chain key (hex)")
    session_secret: str = Field(default=DEMO_SECRETS["session_secret"])

    # simulators
    scale: Literal["small", "demo", "bench"] = "demo"
    seed: int = 20261128
    dirt_rate: float = Field(default=0.002, ge=0, le=0.2)

    # the simulated provincial card system's HTTP interface (a real deployment points at the province)
    card_system_url: str = "http://127.0.0.1:8091"
    card_system_api_key: str = "demo-card-system-key"
    card_system_port: int = 8091

    # the municipal exchange's upload interface (市共享交换平台; locally its receiver simulator)
    exchange_url: str = "http://127.0.0.1:8092"
    exchange_port: int = 8092
    channel_push_port: int = Field(default=8093, description="渠道待办与消息推送接口（模拟）的端口")

    # service layer (FastAPI; `ykt api …`): database, staff sessions, device signing, uploads
    ops_database: str = Field(default="ops", description="the services' database (tests use ops_test)")
    session_idle_minutes: int = Field(default=30, ge=1, description="staff session idle timeout")
    session_max_hours: int = Field(default=8, ge=1, description="staff session absolute lifetime")
    login_max_failures: int = Field(default=5, ge=1, description="failed logins before lock-out")
    lockout_minutes: int = Field(default=30, ge=1)
    device_signature_window_s: int = Field(default=300, ge=30, le=900, description="kiosk clock skew")
    device_online_timeout_s: int = Field(default=300, ge=30, description="heartbeat age that is online")
    upload_max_bytes: int = Field(default=2 * 1024 * 1024, ge=64 * 1024, description="xlsx upload limit")

    # addresses
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_workers: int = 2
    airflow_port: int = 8080
    superset_port: int = 8088
    dbt_docs_port: int = 8081

    @field_validator("home", mode="after")
    @classmethod
    def _absolute_home(cls, home: Path) -> Path:
        """A relative `YKT_HOME` is taken from the current directory, once: background processes
        (Superset, dbt docs, simulators) start in other directories and must see the same home."""
        return home.expanduser().absolute()

    @model_validator(mode="after")
    def _prod_needs_real_secrets(self) -> Settings:
        if self.profile != "prod":
            return self
        demo_values = {k for k, v in DEMO_SECRETS.items() if getattr(self, k) == v}
        weak = {k for k in DEMO_SECRETS if len(getattr(self, k).split(":")[-1]) < 32}
        if demo_values or weak:
            names = ", ".join(f"YKT_{n.upper()}" for n in sorted(demo_values | weak))
            raise SettingsError(f"生产环境必须配置真实密钥 / prod profile needs real secrets: {names}")
        if not self.database_url:
            raise SettingsError("生产环境必须配置 YKT_DATABASE_URL / prod profile needs YKT_DATABASE_URL")
        return self

    @property
    def pg_dir(self) -> Path:
        return self.home / "pg"

    @property
    def sources_dir(self) -> Path:
        """Where simulated upstream systems keep their files (exchange drop, event stream)."""
        return self.home / "sources"

    @property
    def lake_root(self) -> str:
        return self.lake_uri or str(self.home / "lake")


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests clear with `get_settings.cache_clear()`)."""
    return Settings()
