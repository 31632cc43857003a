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
import pyarrow.compute as pc

from yikatong import lake

__all__ = ["stable_ciphers"]

_PAIRS = pa.schema([("token", pa.string()), ("cipher", pa.string())])


def stable_ciphers(table: pa.Table, uri: str, pairs: Mapping[str, str]) -> pa.Table:
    """``table`` with each ``pairs`` cipher column (keyed by its token column) stable across reruns."""
    previous = lake.read(uri) if lake.exists(uri) else None
    for token, cipher in pairs.items():
        chosen = _chosen(_one_per_token(table[token], table[cipher]), _previous(previous, token, cipher))
        at = pc.index_in(table[token], value_set=chosen["token"])  # null: no choice (or no token)
        stable = (
            pc.coalesce(pc.take(chosen["cipher"], at), table[cipher]) if chosen.num_rows else table[cipher]
        )
        table = table.set_column(table.schema.get_field_index(cipher), cipher, stable.cast(pa.string()))
    return table


def _one_per_token(tokens: pa.ChunkedArray | pa.Array, ciphers: pa.ChunkedArray | pa.Array) -> pa.Table:
    """The smallest ciphertext of each token (any fixed choice would do): columns token, cipher."""
    pairs = pa.table({"token": tokens, "cipher": ciphers})
    known = pc.and_(pc.is_valid(pairs["token"]), pc.is_valid(pairs["cipher"]))
    smallest = pairs.filter(known).group_by("token", use_threads=False).aggregate([("cipher", "min")])
    return smallest.rename_columns(["token", "cipher"]).cast(_PAIRS)


def _previous(previous: pa.Table | None, token: str, cipher: str) -> pa.Table:
    """The previous snapshot's ciphertexts made with the active key (smallest per token)."""
    if previous is None or token not in previous.column_names or cipher not in previous.column_names:
        return _PAIRS.empty_table()
    current = pc.starts_with(previous[cipher], _active_kid() + "$")
    kept = previous.select([token, cipher]).filter(pc.fill_null(current, False))
    return _one_per_token(kept[token], kept[cipher])


def _chosen(new: pa.Table, previous: pa.Table) -> pa.Table:
    """One ciphertext per token: the previous snapshot's where it has one, else the new rows'."""
    fresh = new.filter(pc.invert(pc.is_in(new["token"], value_set=previous["token"])))
    return pa.concat_tables([previous, fresh])


@functools.cache
def _active_kid() -> str:
    from yikatong.crypto import KeyRing
    from yikatong.settings import get_settings

    s = get_settings()
    return KeyRing.from_spec(s.sm4_keys, s.sm4_active_key).active_kid
