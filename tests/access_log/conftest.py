"""Access-log tests share the channel tests' fixtures (`ops_test` upgraded to every head, client, channel)."""

from __future__ import annotations

from tests.channels.conftest import *  # noqa: F403  (every channel fixture, as that conftest defines them)
