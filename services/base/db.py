"""数据库会话：服务层的 `ops` 库（`YKT_OPS_DATABASE`，测试用 `ops_test`），SQLAlchemy 2 异步。

Services commit explicitly (one transaction per request that writes); the session dependency only
opens and closes. The engine comes from `yikatong.db.async_engine`, so pools are shared per process.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

import psycopg
from fastapi import Depends
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase

from yikatong import db
from yikatong.settings import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """All service tables (one metadata, so Alembic sees every package's models)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def database_name() -> str:
    """The services' database: `ops` unless `YKT_OPS_DATABASE` says otherwise."""
    return get_settings().ops_database


@functools.cache
def _sessionmaker(name: str) -> async_sessionmaker[AsyncSession]:
    # the pool (`yikatong.db.ASYNC_POOL`) is sized for the API workers against max_connections
    return async_sessionmaker(db.async_engine(name), expire_on_commit=False)


def sessionmaker() -> async_sessionmaker[AsyncSession]:
    return _sessionmaker(database_name())


def forget_engines() -> None:
    """Drop cached session factories and engines (tests switch event loops or databases)."""
    _sessionmaker.cache_clear()
    db.async_engine.cache_clear()
    db.autocommit_engine.cache_clear()
    from services.terminals import device_cache  # cached devices belong to the old database too

    device_cache.forget()


@contextlib.asynccontextmanager
async def autocommit() -> AsyncIterator[AsyncConnection]:
    """A pooled connection in autocommit: a statement is its own transaction, so a write that
    fits in one statement costs one round trip (no BEGIN, no COMMIT) and holds the connection
    for just that."""
    async with db.autocommit_engine(database_name()).connect() as conn:
        yield conn


@contextlib.asynccontextmanager
async def driver_autocommit() -> AsyncIterator[psycopg.AsyncConnection]:
    """The psycopg connection under `autocommit()`, for the few statements run on every request of
    a hot path (the kiosk heartbeat): SQL written in psycopg's `%(name)s` style, executed and
    prepared by the driver without SQLAlchemy's per-execution work; the pool is the same."""
    async with autocommit() as conn:
        yield (await conn.get_raw_connection()).driver_connection


async def get_session() -> AsyncIterator[AsyncSession]:
    """一个请求一个会话；写操作由服务函数显式提交。"""
    async with sessionmaker()() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
