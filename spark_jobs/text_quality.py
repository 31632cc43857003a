"""Garbled-text detection (乱码识别) for Chinese fields: names, addresses, bank outlets.

The commonest upstream defect is UTF-8 bytes decoded as GBK (锟斤拷-style 乱码). Such text has
one of three tells: the replacement character U+FFFD (a dangling byte), characters no Chinese
name or address uses (Latin-1 letters like ``Ã``, kana, Cyrillic), or — when every byte pair
happened to be a valid GBK character — it turns back into valid UTF-8 when re-encoded as GBK.
Clean text passes all three: CJK, ASCII, full-width forms and the punctuation of addresses and
minority names (``阿依·木呷``).
"""

from __future__ import annotations

import re

__all__ = ["looks_garbled"]

_ALLOWED = re.compile(
    "^["
    "\u0020-\u007e"  # ASCII printable
    "\u00b7"  # · middle dot (minority and foreign names)
    "\u2010-\u2027"  # dashes, quotes, bullet, ellipsis
    "\u3000-\u303f"  # CJK punctuation, full-width space
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs (ext A, unified, compatibility)
    "\uff01-\uff5e"  # full-width ASCII forms
    "]*$"
)

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")


def looks_garbled(text: str | None) -> bool:
    """True when ``text`` looks like mojibake; ``None`` and ``""`` are not garbled (nullness is separate)."""
    if not text:
        return False
    if "\ufffd" in text or not _ALLOWED.match(text):
        return True
    return _reads_back_as_utf8(text)


def _reads_back_as_utf8(text: str) -> bool:
    """Whether the text is UTF-8 Chinese that was read as GBK: re-encoding it recovers clean Chinese.

    Clean text can re-encode into valid UTF-8 by chance (袁帅 → ``Ԭ˧``), but not into Chinese.
    """
    if text.isascii():
        return False
    try:
        recovered = text.encode("gbk").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return recovered != text and _HAN.search(recovered) is not None and _ALLOWED.match(recovered) is not None
