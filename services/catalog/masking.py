"""按列脱敏（Arrow 向量化）：身份证号前 6 后 4、手机号前 3 后 4、银行卡号前 6 后 4、姓名留姓、地址到区县。

The same rules as :mod:`yikatong.pii`, applied to whole columns with Arrow compute so 100k rows
mask in milliseconds; addresses (a regex per value) go through ``yikatong.pii`` once per distinct
value. Values of other shapes fall back to ``yikatong.pii`` as well, so every value is masked.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from yikatong import pii

# kind -> (head, tail, the lengths of the standard shape): 18-digit ID, 11-digit mobile, 13-19 digit card
_SHAPES = {
    "id_number": (6, 4, frozenset({18})),
    "phone": (3, 4, frozenset({11})),
    "bank_card": (6, 4, frozenset(range(13, 20))),
}


def _fallback(values: pa.Array, kind: str) -> pa.Array:
    """Per distinct value through yikatong.pii (odd shapes, names, addresses)."""
    encoded = pc.dictionary_encode(values)
    masked = pa.array(pii.masks(encoded.dictionary.to_pylist(), kind), pa.string())
    return pc.take(masked, encoded.indices)


def mask_column(values: pa.Array | pa.ChunkedArray, kind: str) -> pa.Array:
    """``values`` (strings) masked for display according to ``kind`` (one of yikatong.pii.KINDS).

    Values of the standard length keep their ends (one ``utf8_replace_slice`` per length); the
    few others are masked by ``yikatong.pii``'s rules and put back in place.
    """
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    values = values.cast(pa.string())
    if kind not in _SHAPES:
        return _fallback(values, kind)
    head, tail, lengths = _SHAPES[kind]
    length = pc.utf8_length(values)
    out = values
    for size in sorted(set(pc.unique(length).to_pylist()) & lengths):
        masked = pc.utf8_replace_slice(
            values, start=head, stop=size - tail, replacement="*" * (size - head - tail)
        )
        out = pc.if_else(pc.equal(length, size), masked, out)
    odd = pc.and_(pc.invert(pc.is_in(length, pa.array(sorted(lengths), length.type))), pc.is_valid(values))
    if pc.any(odd).as_py():
        replacements = pa.array(pii.masks(values.filter(odd).to_pylist(), kind), pa.string())
        out = pc.replace_with_mask(out, odd, replacements)
    return out
