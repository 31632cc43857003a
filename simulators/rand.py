"""Deterministic randomness: one generator per named stream, and per-key hashes.

`stream_rng(seed, "cards")` gives the same numbers for the same seed whatever else ran before it,
so each part of the simulation is reproducible on its own. `hash_u01` maps keys (application ids,
batch numbers…) to uniform numbers without any state: a later `advance` recomputes the same
durations for the same application that `simulate` planned.
"""

from __future__ import annotations

import hashlib

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def stream_seed(seed: int, stream: str) -> int:
    """A 64-bit seed derived from the run seed and a stable hash of the stream name."""
    digest = hashlib.sha256(f"{seed}\x1f{stream}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def stream_rng(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng(stream_seed(seed, stream))


def _splitmix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = x + _GOLDEN
        x = (x ^ (x >> np.uint64(30))) * _MIX1
        x = (x ^ (x >> np.uint64(27))) * _MIX2
        return x ^ (x >> np.uint64(31))


def hash_u01(seed: int, keys: np.ndarray, salt: str) -> np.ndarray:
    """Uniform [0, 1) numbers, one per integer key, fixed by (seed, salt, key)."""
    base = np.uint64(stream_seed(seed, salt))
    x = _splitmix(np.asarray(keys).astype(np.uint64) ^ base)
    return (x >> np.uint64(11)).astype(np.float64) * (1.0 / 2**53)


def hash_int(seed: int, keys: np.ndarray, salt: str, low: int, high: int) -> np.ndarray:
    """Integers in [low, high), one per key (see `hash_u01`)."""
    return low + np.floor(hash_u01(seed, keys, salt) * (high - low)).astype(np.int64)
