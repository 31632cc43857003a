"""Superset's own configuration (`superset_config.py`), written under `<home>/superset/` from settings.

Superset runs in `.venv-superset` and reads this file through `SUPERSET_CONFIG_PATH`. The file holds
the metadata database's address (database `superset` on the platform's PostgreSQL) and a secret key
derived from `YKT_SESSION_SECRET`, so it is written with mode 0600 and never committed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from yikatong.settings import REPO_ROOT, get_settings

METADATA_DATABASE = "superset"
SUPERSET_VENV = REPO_ROOT / ".venv-superset"

_TEMPLATE = '''"""Written by `ykt superset load` (superset_assets/config.py); regenerated on every load."""

SECRET_KEY = {secret!r}
SQLALCHEMY_DATABASE_URI = {metadata_uri!r}
DATA_DIR = {data_dir!r}
SUPERSET_WEBSERVER_PORT = {port}

BABEL_DEFAULT_LOCALE = "zh"
LANGUAGES = {{"zh": {{"flag": "cn", "name": "简体中文"}}, "en": {{"flag": "us", "name": "English"}}}}

# Every chart renders at once (the browser test and a 大屏 wall need all of them, not just the visible ones).
FEATURE_FLAGS = {{"DASHBOARD_VIRTUALIZATION": False, "DASHBOARD_RBAC": False, "ALERT_REPORTS": False}}
# No result cache: every number on a dashboard is read from the marts when the page asks.
CACHE_CONFIG = {{"CACHE_TYPE": "NullCache"}}
DATA_CACHE_CONFIG = {{"CACHE_TYPE": "NullCache"}}
RATELIMIT_STORAGE_URI = "memory://"
TALISMAN_ENABLED = False  # served on localhost only; production puts it behind nginx
CONTENT_SECURITY_POLICY_WARNING = False
WTF_CSRF_ENABLED = True
SQLLAB_CTAS_NO_LIMIT = True
ROW_LIMIT = 50000
SUPERSET_LOAD_EXAMPLES = False
'''


def home() -> Path:
    """`<home>/superset`: config, stamp, pid and log files."""
    path = get_settings().home / "superset"
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_path() -> Path:
    return home() / "superset_config.py"


def secret_key() -> str:
    """Superset's SECRET_KEY: derived from the platform's session secret (a real one in prod)."""
    key = get_settings().session_secret.encode()
    return hmac.new(key, b"ykt-superset-secret-key", hashlib.sha256).hexdigest()


def metadata_uri() -> str:
    """SQLAlchemy URI of Superset's metadata database (psycopg2 is what `.venv-superset` ships)."""
    from yikatong import db

    return db.url_for(METADATA_DATABASE, "postgresql+psycopg2").render_as_string(hide_password=False)


def data_uri(database: str) -> str:
    """SQLAlchemy URI of the analytics database the datasets read (filled into the bundle at import)."""
    from yikatong import db

    return db.url_for(database, "postgresql+psycopg2").render_as_string(hide_password=False)


def write_config(port: int | None = None) -> Path:
    """Write `superset_config.py` (mode 0600) and return its path."""
    path = config_path()
    text = _TEMPLATE.format(
        secret=secret_key(),
        metadata_uri=metadata_uri(),
        data_dir=str(home() / "data"),
        port=port or get_settings().superset_port,
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def superset_env() -> dict[str, str]:
    """Environment for processes in `.venv-superset` (its config, its own bin first on PATH)."""
    env = dict(os.environ)
    env["SUPERSET_CONFIG_PATH"] = str(config_path())
    env["FLASK_APP"] = "superset.app:create_app()"
    env["PATH"] = f"{SUPERSET_VENV / 'bin'}:{env.get('PATH', '')}"
    env.setdefault("XDG_RUNTIME_DIR", str(get_settings().home / "run"))
    env.pop("PYTHONPATH", None)
    return env
