"""出站 HTTP 客户端的公共部分：TLS 上下文每个进程只建一次。

`httpx.AsyncClient()` builds a fresh `ssl.SSLContext` (and loads the CA bundle) on every
construction, several milliseconds of CPU on the event loop. The outbox, the follow loop and the
card-system adapter make short-lived clients all day, so they share this context instead.
"""

from __future__ import annotations

import functools
import ssl

import certifi


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The verifying client context (certifi's CA bundle, as httpx uses by default)."""
    return ssl.create_default_context(cafile=certifi.where())
