"""Alembic environment: runs online against the URL set by `services.migrations.config`."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from services.base.db import Base
from services.models import import_all

import_all()
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
