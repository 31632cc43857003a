"""Every package's models, imported for Alembic and for the metadata drift test."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "services.base.models",
    "services.admin.models",
    "services.terminals.models",
    "services.terminals.monitoring_models",
    "services.cards.models",
    "services.catalog.models",
    "services.capabilities.models",
    "services.knowledge.models",
    "services.channels.models",
    "services.precision.models",
    "services.access_log.models",
)


def import_all() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)
