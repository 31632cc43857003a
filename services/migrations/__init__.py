"""Alembic migrations of the services' database (`ykt api migrate`).

The configuration is built in code (no alembic.ini): the script location is this folder and the
URL is the services' database from settings, so `ops`, `ops_test` and `ops_bench` migrate alike.
"""

from __future__ import annotations

import functools
from pathlib import Path

HERE = Path(__file__).resolve().parent


def config(database: str | None = None):
    from alembic.config import Config

    from services.base.db import database_name
    from yikatong import db

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    url = db.url_for(database or database_name()).render_as_string(hide_password=False)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(database: str | None = None, revision: str = "heads") -> None:
    """Create the database when missing, then migrate it to `revision` (every branch's head).

    Each subsystem's tables are their own branch off ``0001`` (terminals, cards, channels,
    catalog, ...), so subsystems add migrations independently; "heads" applies all of them.
    """
    from alembic import command

    from services.base.db import database_name
    from yikatong import db

    db.ensure_databases((database or database_name(),))
    command.upgrade(config(database), revision)


@functools.cache
def head_revisions() -> tuple[str, ...]:
    """The head of every branch as `alembic_version` holds them at "heads", sorted: a head that
    another head depends on (`depends_on`) is implied by it and not stored on its own."""
    from alembic.script import ScriptDirectory  # imports mako and pygments: keep it off start-up

    script = ScriptDirectory(str(HERE))
    heads = script.get_heads()
    below = (rev.revision for h in heads for rev in script.iterate_revisions(h, "base") if rev.revision != h)
    implied = set(below)
    return tuple(sorted(set(heads) - implied))


def head_revision() -> str:
    """The heads as one printable string (``0002_x, 0003_y``)."""
    return ", ".join(head_revisions())
