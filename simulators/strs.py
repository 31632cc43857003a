"""Vectorised string building with pyarrow compute (fast, no Python loop per row)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def arr(values) -> pa.Array:
    """A pyarrow array from a numpy array, list or pyarrow array/chunked array."""
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if isinstance(values, pa.Array):
        return values
    return pa.array(values)


def join(*parts) -> pa.Array:
    """Element-wise concatenation; a part may be a str scalar (broadcast) or an array."""
    cols = [p if isinstance(p, str) else arr(p).cast(pa.string()) for p in parts]
    return pc.binary_join_element_wise(*cols, "")


def zpad(values: np.ndarray, width: int) -> pa.Array:
    """Integers as zero-padded decimal strings."""
    return pc.utf8_lpad(pa.array(np.asarray(values, dtype=np.int64)).cast(pa.string()), width, "0")


def take(words: np.ndarray, index: np.ndarray) -> pa.Array:
    """`words[index]` as a pyarrow string array (indexing a small dictionary is cheap)."""
    return pa.array(words).take(pa.array(np.asarray(index, dtype=np.int64)))


def pick(rng: np.random.Generator, words, n: int, p=None) -> pa.Array:
    """n words drawn from `words` (with probabilities `p`)."""
    words = np.asarray(words)
    return take(words, rng.choice(len(words), size=n, p=p))


def where(mask: np.ndarray, a, b) -> pa.Array:
    """Element-wise choice between two string arrays (or scalars); null stays null."""
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), a, b)


def to_numpy_str(values) -> np.ndarray:
    return np.asarray(arr(values).to_numpy(zero_copy_only=False), dtype=object)
