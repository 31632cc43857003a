"""Stable ciphertexts (密文复用) so that rerunning a date rewrites silver byte for byte.

SM4-GCM draws a fresh random nonce per encryption (as it should), so encrypting the same value
twice gives two ciphertexts, and a rerun would change every ``*_cipher`` column. Equal tokens mean
equal (normalised) values, so before writing, each token's ciphertext is taken from the table's
previous snapshot when that one was made with the active key, and otherwise unified to one value
per token within the new rows. Nothing is decrypted; a key rotation naturally re-encrypts.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import pyarrow as pa

from yikatong import lake

__all__ = ["stable_ciphers"]


def stable_ciphers(table: pa.Table, uri: str, pairs: Mapping[str, str]) -> pa.Table:
    """``table`` with each ``pairs`` cipher column (keyed by its token column) stable across reruns."""
    previous = lake.read(uri) if lake.exists(uri) else None
    for token, cipher in pairs.items():
        tokens, ciphers = table[token].to_pylist(), table[cipher].to_pylist()
        chosen = _one_per_token(tokens, ciphers) | _previous(previous, token, cipher)
        stable = [chosen.get(t, c) if t is not None else c for t, c in zip(tokens, ciphers, strict=True)]
        table = table.set_column(table.schema.get_field_index(cipher), cipher, pa.array(stable, pa.string()))
    return table


def _one_per_token(tokens: list, ciphers: list) -> dict[str, str]:
    """The smallest ciphertext of each token (any fixed choice would do)."""
    chosen: dict[str, str] = {}
    for token, cipher in zip(tokens, ciphers, strict=True):
        if token is not None and cipher is not None and (token not in chosen or cipher < chosen[token]):
            chosen[token] = cipher
    return chosen


def _previous(previous: pa.Table | None, token: str, cipher: str) -> dict[str, str]:
    """The previous snapshot's ciphertexts made with the active key."""
    if previous is None or token not in previous.column_names or cipher not in previous.column_names:
        return {}
    prefix = _active_kid() + "$"
    pairs = zip(previous[token].to_pylist(), previous[cipher].to_pylist(), strict=True)
    current = [(t, c) for t, c in pairs if c is not None and c.startswith(prefix)]
    return _one_per_token([t for t, _ in current], [c for _, c in current])


@functools.cache
def _active_kid() -> str:
    from yikatong.crypto import KeyRing
    from yikatong.settings import get_settings

    s = get_settings()
    return KeyRing.from_spec(s.sm4_keys, s.sm4_active_key).active_kid
