"""National cryptographic algorithms (国密算法 SM2/SM3/SM4) and a key ring for field encryption.

SM3 and SM4 run in OpenSSL through ``cryptography``; they are checked against the standard
known-answer vectors in the tests. SM2 uses the pure-Python ``gmssl`` for elliptic-curve point
arithmetic only: the random numbers, the signer's Z value (Z_A), the key-derivation function, the
C3 check and the ASN.1 DER encoding are done here, because ``gmssl`` draws its nonces from
``random`` (not a CSPRNG), hard-codes the default signer ID, never checks C3 when decrypting and
omits the ``04`` point prefix (see the notes on each function).
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl.sm2 import CryptSM2, default_ecc_table

__all__ = [
    "DEFAULT_SIGNER_ID",
    "CryptoError",
    "HmacSm3",
    "KeyRing",
    "SM2KeyPair",
    "Sm4Gcm",
    "hmac_sm3",
    "sm2_decrypt",
    "sm2_encrypt",
    "sm2_generate_keypair",
    "sm2_public_key",
    "sm2_sign",
    "sm2_verify",
    "sm2_za",
    "sm3",
    "sm3_hex",
    "sm4_cbc_decrypt",
    "sm4_cbc_encrypt",
    "sm4_encrypt_block",
    "sm4_gcm_decrypt",
    "sm4_gcm_encrypt",
]

SM4_KEY_SIZE = 16
SM4_BLOCK_SIZE = 16
GCM_NONCE_SIZE = 12
GCM_TAG_SIZE = 16
DEFAULT_SIGNER_ID = b"1234567812345678"


class CryptoError(ValueError):
    """Decryption or authentication failed: wrong key, wrong AAD, tampered or malformed data."""


# --------------------------------------------------------------------------------------------
# SM3 (杂凑算法, GB/T 32905-2016)
# --------------------------------------------------------------------------------------------

_SM3 = hashes.SM3()


def sm3(data: bytes) -> bytes:
    """SM3 digest (32 bytes) of ``data``."""
    digest = hashes.Hash(_SM3)
    digest.update(data)
    return digest.finalize()


def sm3_hex(data: bytes) -> str:
    """SM3 digest of ``data`` as 64 lower-case hex characters."""
    return sm3(data).hex()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC-SM3 (RFC 2104 with SM3, block size 64) of ``data`` under ``key``."""
    mac = hmac.HMAC(key, _SM3)
    mac.update(data)
    return mac.finalize()


class HmacSm3:
    """HMAC-SM3 keyed once, optionally over a fixed prefix, for computing many MACs quickly.

    The keyed (and prefixed) state is built in the constructor; each :meth:`digest` copies it,
    which is about twice as fast as keying a new HMAC per message.
    """

    __slots__ = ("_state",)

    def __init__(self, key: bytes, prefix: bytes = b"") -> None:
        state = hmac.HMAC(key, _SM3)
        if prefix:
            state.update(prefix)
        self._state = state

    def digest(self, data: bytes) -> bytes:
        """HMAC-SM3 of ``prefix + data``."""
        mac = self._state.copy()
        mac.update(data)
        return mac.finalize()


# --------------------------------------------------------------------------------------------
# SM4 (分组密码算法, GB/T 32907-2016)
# --------------------------------------------------------------------------------------------


def _public_encryptor(algorithm: algorithms.SM4, mode: modes.Mode):
    return Cipher(algorithm, mode).encryptor()


def _public_decryptor(algorithm: algorithms.SM4, mode: modes.Mode):
    return Cipher(algorithm, mode).decryptor()


def _context_factories():
    """Cipher-context constructors: ``cryptography``'s own, skipping ``Cipher``'s Python checks.

    ``Cipher(...).encryptor()`` validates the algorithm and mode in Python and then calls these
    same functions; for SM4-GCM with a 12-byte nonce the checks always pass, and skipping them
    nearly doubles the rate for short fields (~80k/s → ~150k/s here). If a future release
    moves them, the public API is used instead (same output; the tests compare the two).
    """
    try:
        from cryptography.hazmat.bindings._rust import openssl as rust_openssl

        ciphers = rust_openssl.ciphers
        return ciphers.create_encryption_ctx, ciphers.create_decryption_ctx
    except (ImportError, AttributeError):  # pragma: no cover - depends on the installed version
        return _public_encryptor, _public_decryptor


_new_encryptor, _new_decryptor = _context_factories()


def _sm4(key: bytes) -> algorithms.SM4:
    if len(key) != SM4_KEY_SIZE:
        raise ValueError(f"an SM4 key is {SM4_KEY_SIZE} bytes, got {len(key)}")
    return algorithms.SM4(key)


class Sm4Gcm:
    """SM4 in GCM mode with the key set up once; output is ``nonce(12) || ciphertext || tag(16)``.

    Nonces are random (96 bits), so one key should protect well under 2**32 messages.
    """

    __slots__ = ("_algorithm",)

    def __init__(self, key: bytes) -> None:
        self._algorithm = _sm4(key)

    def encrypt(self, plaintext: bytes, aad: bytes = b"") -> bytes:
        """Encrypt and authenticate ``plaintext``; ``aad`` is authenticated but not encrypted."""
        nonce = secrets.token_bytes(GCM_NONCE_SIZE)
        encryptor = _new_encryptor(self._algorithm, modes.GCM(nonce))
        if aad:
            encryptor.authenticate_additional_data(aad)
        ciphertext = encryptor.update(plaintext)
        encryptor.finalize()
        return nonce + ciphertext + encryptor.tag

    def decrypt(self, blob: bytes, aad: bytes = b"") -> bytes:
        """Check and decrypt a blob from :meth:`encrypt`; raise :class:`CryptoError` on any failure."""
        if len(blob) < GCM_NONCE_SIZE + GCM_TAG_SIZE:
            raise CryptoError("SM4-GCM blob is shorter than nonce + tag")
        nonce, ciphertext, tag = (
            blob[:GCM_NONCE_SIZE],
            blob[GCM_NONCE_SIZE:-GCM_TAG_SIZE],
            blob[-GCM_TAG_SIZE:],
        )
        decryptor = _new_decryptor(self._algorithm, modes.GCM(nonce, tag))
        if aad:
            decryptor.authenticate_additional_data(aad)
        plaintext = decryptor.update(ciphertext)
        try:
            decryptor.finalize()
        except InvalidTag:
            raise CryptoError(
                "SM4-GCM authentication failed: wrong key, wrong AAD or tampered data"
            ) from None
        return plaintext


def sm4_gcm_encrypt(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """SM4-GCM encryption with a random nonce; returns ``nonce(12) || ciphertext || tag(16)``."""
    return Sm4Gcm(key).encrypt(plaintext, aad)


def sm4_gcm_decrypt(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    """Inverse of :func:`sm4_gcm_encrypt`; raises :class:`CryptoError` if the blob was altered."""
    return Sm4Gcm(key).decrypt(blob, aad)


def _check_iv(iv: bytes) -> None:
    if len(iv) != SM4_BLOCK_SIZE:
        raise ValueError(f"an SM4-CBC IV is {SM4_BLOCK_SIZE} bytes, got {len(iv)}")


def sm4_cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """SM4-CBC with PKCS#7 padding, for exchanging data with systems that use it.

    CBC has no integrity check: prefer :class:`Sm4Gcm` for anything stored by this platform.
    """
    _check_iv(iv)
    padder = padding.PKCS7(SM4_BLOCK_SIZE * 8).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(_sm4(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def sm4_cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """Inverse of :func:`sm4_cbc_encrypt`; raises :class:`CryptoError` on bad length or padding."""
    _check_iv(iv)
    if not ciphertext or len(ciphertext) % SM4_BLOCK_SIZE:
        raise CryptoError("SM4-CBC ciphertext must be a non-zero multiple of 16 bytes")
    decryptor = Cipher(_sm4(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(SM4_BLOCK_SIZE * 8).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise CryptoError("SM4-CBC padding is invalid: wrong key or corrupted data") from None


def sm4_encrypt_block(key: bytes, block: bytes) -> bytes:
    """Encrypt one 16-byte block with SM4 (ECB); for known-answer tests, not for data."""
    if len(block) != SM4_BLOCK_SIZE:
        raise ValueError(f"an SM4 block is {SM4_BLOCK_SIZE} bytes, got {len(block)}")
    encryptor = Cipher(_sm4(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


# --------------------------------------------------------------------------------------------
# SM2 (椭圆曲线公钥密码算法, GB/T 32918-2016; signatures per GM/T 0009)
# --------------------------------------------------------------------------------------------

_P = int(default_ecc_table["p"], 16)
_N = int(default_ecc_table["n"], 16)
_A = int(default_ecc_table["a"], 16)
_B = int(default_ecc_table["b"], 16)
_G = default_ecc_table["g"].lower()  # x || y, 128 hex characters
_CURVE_PARAMS = b"".join(v.to_bytes(32, "big") for v in (_A, _B)) + bytes.fromhex(_G)
# gmssl keeps points as hex strings; this instance is used for its point arithmetic only.
_ARITH = CryptSM2(private_key="", public_key="")
_HEX_RE = re.compile(r"[0-9a-fA-F]+")


@dataclass(frozen=True)
class SM2KeyPair:
    """An SM2 key pair as hex: private key d (64 chars) and public key x || y (128 chars, no 04)."""

    private_hex: str = field(repr=False)
    public_hex: str


def _point_mul(k: int, point_hex: str) -> str | None:
    """k·P with gmssl; ``None`` for the point at infinity. ``k`` must be in [1, n-1]."""
    return _ARITH._kg(k, point_hex)


def _point_add(p1_hex: str, p2_hex: str) -> str | None:
    """P1 + P2 for affine points; ``None`` for the point at infinity."""
    if p1_hex == p2_hex:
        return _point_mul(2, p1_hex)
    if p1_hex[:64] == p2_hex[:64]:  # P + (-P)
        return None
    return _ARITH._convert_jacb_to_nor(_ARITH._add_point(p1_hex, p2_hex))


def _on_curve(x: int, y: int) -> bool:
    return 0 <= x < _P and 0 <= y < _P and (y * y - (x * x * x + _A * x + _B)) % _P == 0


def _parse_public(public_hex: str) -> str:
    """Validate a public key (128 hex chars, optionally prefixed by 04) and return x || y."""
    text = public_hex.strip()
    if len(text) == 130 and text.startswith("04"):
        text = text[2:]
    if len(text) != 128 or not _HEX_RE.fullmatch(text):
        raise ValueError("an SM2 public key is 128 hex characters (x || y), optionally prefixed by 04")
    if not _on_curve(int(text[:64], 16), int(text[64:], 16)):
        raise ValueError("the SM2 public key is not a point on the curve")
    return text.lower()


def _parse_private(private_hex: str) -> int:
    text = private_hex.strip()
    if not 0 < len(text) <= 64 or not _HEX_RE.fullmatch(text):
        raise ValueError("an SM2 private key is up to 64 hex characters")
    d = int(text, 16)
    if not 1 <= d <= _N - 2:
        raise ValueError("the SM2 private key is out of range [1, n-2]")
    return d


def _random_scalar() -> int:
    """A uniformly random k in [1, n-1] from the OS CSPRNG."""
    return secrets.randbelow(_N - 1) + 1


def sm2_public_key(private_hex: str) -> str:
    """The public key (x || y, 128 hex chars) of an SM2 private key."""
    return _point_mul(_parse_private(private_hex), _G)


def sm2_generate_keypair() -> SM2KeyPair:
    """A fresh SM2 key pair; d is drawn with :mod:`secrets` from [1, n-2]."""
    d = secrets.randbelow(_N - 2) + 1
    return SM2KeyPair(private_hex=f"{d:064x}", public_hex=_point_mul(d, _G))


def sm2_za(public_hex: str, signer_id: bytes = DEFAULT_SIGNER_ID) -> bytes:
    """Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) (用户身份杂凑值)."""
    bits = len(signer_id) * 8
    if bits > 0xFFFF:
        raise ValueError("an SM2 signer ID is at most 8191 bytes")
    public = bytes.fromhex(_parse_public(public_hex))
    return sm3(bits.to_bytes(2, "big") + signer_id + _CURVE_PARAMS + public)


def _message_digest(public_hex: str, data: bytes, signer_id: bytes) -> bytes:
    """e = SM3(Z_A || M), the value that is actually signed."""
    return sm3(sm2_za(public_hex, signer_id) + data)


def sm2_sign(
    private_hex: str,
    data: bytes,
    signer_id: bytes = DEFAULT_SIGNER_ID,
    *,
    public_hex: str | None = None,
) -> bytes:
    """Sign ``data`` with SM2/SM3 (SM3withSM2); returns an ASN.1 DER ``SEQUENCE {r, s}``.

    The signed value is SM3(Z_A || data) with Z_A over ``signer_id``. Pass ``public_hex`` to
    skip deriving the public key (one point multiplication, ~15 ms with gmssl).
    """
    d = _parse_private(private_hex)
    public = _parse_public(public_hex) if public_hex is not None else _point_mul(d, _G)
    digest = _message_digest(public, data, signer_id)
    while True:  # a few k are unusable (r = 0, r + k = n or s = 0): draw again
        signature = _sign_digest(d, digest, _random_scalar())
        if signature is not None:
            return signature


def _sign_digest(d: int, digest: bytes, k: int) -> bytes | None:
    """DER signature of the 32-byte ``digest`` with nonce ``k``; ``None`` if ``k`` is unusable."""
    raw = CryptSM2(private_key=f"{d:064x}", public_key="").sign(digest, f"{k:064x}")
    return encode_dss_signature(int(raw[:64], 16), int(raw[64:], 16)) if raw else None


def _decode_signature(signature_der: object) -> tuple[int, int] | None:
    """(r, s) from a strict DER signature with both in [1, n-1]; ``None`` if anything is off."""
    if not isinstance(signature_der, bytes | bytearray | memoryview):
        return None
    der = bytes(signature_der)
    try:
        r, s = decode_dss_signature(der)
    except (ValueError, TypeError):
        return None
    if not (1 <= r < _N and 1 <= s < _N) or encode_dss_signature(r, s) != der:
        return None
    return r, s


def sm2_verify(
    public_hex: str,
    data: bytes,
    signature_der: bytes,
    signer_id: bytes = DEFAULT_SIGNER_ID,
) -> bool:
    """Check an SM3withSM2 DER signature; ``False`` for bad or malformed signatures.

    A malformed *public key* is a configuration error and raises ``ValueError``.
    The final step is done here rather than in gmssl's ``verify``, which returns a wrong answer
    when s·G = t·P (it doubles the point but reads x from Jacobian coordinates).
    """
    public = _parse_public(public_hex)
    decoded = _decode_signature(signature_der)
    if decoded is None or not isinstance(data, bytes | bytearray | memoryview):
        return False
    r, s = decoded
    t = (r + s) % _N
    if t == 0:
        return False
    e = int.from_bytes(_message_digest(public, bytes(data), signer_id), "big")
    point = _point_add(_point_mul(s, _G), _point_mul(t, public))
    return point is not None and (e + int(point[:64], 16)) % _N == r


def _sm2_kdf(shared: bytes, length: int) -> bytes:
    """The SM2 key-derivation function: SM3(Z || ct) for ct = 1, 2, ... truncated to ``length``."""
    blocks = (length + 31) // 32
    return b"".join(sm3(shared + ct.to_bytes(4, "big")) for ct in range(1, blocks + 1))[:length]


def _xor(data: bytes, keystream: bytes) -> bytes:
    return (int.from_bytes(data, "big") ^ int.from_bytes(keystream, "big")).to_bytes(len(data), "big")


def sm2_encrypt(public_hex: str, data: bytes) -> bytes:
    """SM2 public-key encryption; returns ``04 || C1.x || C1.y || C3 || C2`` (C1C3C2 order).

    Interoperable with gmssl ``CryptSM2(mode=1)`` (whose output lacks the 04 byte) and with
    Java/BouncyCastle ``SM2Engine.Mode.C1C3C2``. gmssl's own ``encrypt`` is not used because it
    draws k with :func:`random.choice`, which is predictable.
    """
    if not data:
        raise ValueError("SM2 cannot encrypt an empty message")
    public = _parse_public(public_hex)
    while True:  # retry in the negligible case that the derived key stream is all zeros
        ciphertext = _encrypt_with_k(public, data, _random_scalar())
        if ciphertext is not None:
            return ciphertext


def _encrypt_with_k(public: str, data: bytes, k: int) -> bytes | None:
    """C1C3C2 ciphertext with ephemeral ``k``; ``None`` if the derived key stream is all zeros."""
    shared = bytes.fromhex(_point_mul(k, public))
    keystream = _sm2_kdf(shared, len(data))
    if not any(keystream):
        return None
    c1 = bytes.fromhex(_point_mul(k, _G))
    c3 = sm3(shared[:32] + data + shared[32:])
    return b"\x04" + c1 + c3 + _xor(data, keystream)


def sm2_decrypt(private_hex: str, ciphertext: bytes) -> bytes:
    """Inverse of :func:`sm2_encrypt` (C1C3C2 with the 04 prefix); checks C3.

    Raises :class:`CryptoError` for a malformed ciphertext, a C1 not on the curve, or a C3
    mismatch (wrong key, tampered data or a C1C2C3-ordered ciphertext).
    """
    d = _parse_private(private_hex)
    if len(ciphertext) < 1 + 64 + 32 + 1 or ciphertext[0] != 0x04:
        raise CryptoError("an SM2 ciphertext is 04 || C1 (64 bytes) || C3 (32 bytes) || C2")
    c1, c3, c2 = ciphertext[1:65], ciphertext[65:97], ciphertext[97:]
    if not _on_curve(int.from_bytes(c1[:32], "big"), int.from_bytes(c1[32:], "big")):
        raise CryptoError("SM2 ciphertext: C1 is not a point on the curve")
    shared = bytes.fromhex(_point_mul(d, c1.hex()))
    keystream = _sm2_kdf(shared, len(c2))
    if not any(keystream):
        raise CryptoError("SM2 ciphertext: derived key stream is all zeros")
    plaintext = _xor(c2, keystream)
    if not secrets.compare_digest(sm3(shared[:32] + plaintext + shared[32:]), c3):
        raise CryptoError("SM2 decryption failed: C3 mismatch (wrong key, tampered data or C1C2C3 order)")
    return plaintext


# --------------------------------------------------------------------------------------------
# Key ring (密钥环): SM4-GCM keys by ID, one active
# --------------------------------------------------------------------------------------------

_KID_RE = re.compile(r"[A-Za-z0-9_.-]{1,32}")


def _check_kid(kid: str) -> None:
    if not isinstance(kid, str) or not _KID_RE.fullmatch(kid):
        raise ValueError(f"key id {kid!r} must be 1-32 characters from A-Z a-z 0-9 _ . -")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise CryptoError("key-ring ciphertext is not valid base64url") from None


class KeyRing:
    """SM4 keys by key ID (kid) with one active key; ciphertexts name the key that made them.

    ``encrypt`` returns ``"<kid>$<base64url(nonce || ciphertext || tag)>"``, so after
    :meth:`rotate` old values still decrypt with their old key while new ones use the new key.
    Key bytes are never shown by ``repr`` or in error messages.
    """

    __slots__ = ("_active", "_ciphers")

    def __init__(self, keys: Mapping[str, bytes], active: str) -> None:
        if not keys:
            raise ValueError("a key ring needs at least one key")
        self._ciphers: dict[str, Sm4Gcm] = {}
        for kid, key in keys.items():
            self._add(kid, key)
        if active not in self._ciphers:
            raise ValueError(f"active key id {active!r} is not in the key ring {sorted(self._ciphers)}")
        self._active = (active, f"{active}$", self._ciphers[active])

    def _add(self, kid: str, key: bytes) -> None:
        _check_kid(kid)
        if len(key) != SM4_KEY_SIZE:
            raise ValueError(f"key {kid!r} must be {SM4_KEY_SIZE} bytes, got {len(key)}")
        self._ciphers[kid] = Sm4Gcm(key)

    @classmethod
    def from_spec(cls, spec: str, active: str | None = None) -> KeyRing:
        """Parse the environment-variable form ``"k1:<32 hex>,k2:<32 hex>"`` (``YKT_SM4_KEYS``).

        ``active`` names the key for new ciphertexts (``YKT_SM4_ACTIVE_KEY``); by default the last
        key listed, so rotating means appending a key to the spec.
        """
        keys: dict[str, bytes] = {}
        for position, entry in enumerate(spec.split(","), start=1):
            kid, sep, hex_key = (part.strip() for part in entry.partition(":"))
            if not sep or not kid:
                raise ValueError(f"key spec entry {position} is not of the form <kid>:<32 hex characters>")
            if kid in keys:
                raise ValueError(f"key id {kid!r} appears twice in the key spec")
            if len(hex_key) != 2 * SM4_KEY_SIZE:
                raise ValueError(f"key {kid!r} must be {2 * SM4_KEY_SIZE} hex characters, got {len(hex_key)}")
            if not _HEX_RE.fullmatch(hex_key):
                raise ValueError(f"key {kid!r} is not hexadecimal")
            _check_kid(kid)
            keys[kid] = bytes.fromhex(hex_key)
        return cls(keys, active if active is not None else kid)

    @property
    def active_kid(self) -> str:
        """The key ID new ciphertexts are made with."""
        return self._active[0]

    @property
    def key_ids(self) -> tuple[str, ...]:
        """All key IDs in the ring, in insertion order."""
        return tuple(self._ciphers)

    def rotate(self, new_kid: str, new_key: bytes) -> None:
        """Add a key and make it the active one; existing key IDs cannot be reused."""
        if new_kid in self._ciphers:
            raise ValueError(f"key id {new_kid!r} is already in the key ring")
        self._add(new_kid, new_key)
        self._active = (new_kid, f"{new_kid}$", self._ciphers[new_kid])

    def encrypt(self, plaintext: bytes, aad: bytes = b"") -> str:
        """SM4-GCM encrypt with the active key; returns ``"<kid>$<base64url blob>"``."""
        _, prefix, cipher = self._active
        return prefix + _b64url(cipher.encrypt(plaintext, aad))

    @staticmethod
    def key_id_of(text: str) -> str:
        """The key ID a key-ring ciphertext was made with (e.g. to find values to re-encrypt)."""
        kid, sep, _ = text.partition("$")
        if not sep:
            raise CryptoError("not a key-ring ciphertext: missing '<kid>$' prefix")
        return kid

    def decrypt(self, text: str, aad: bytes = b"") -> bytes:
        """Decrypt a value from :meth:`encrypt` with the key it names; :class:`CryptoError` on failure."""
        kid = self.key_id_of(text)
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise CryptoError(f"unknown key id {kid!r}")
        return cipher.decrypt(_unb64url(text[len(kid) + 1 :]), aad)

    def __repr__(self) -> str:
        return f"KeyRing(active={self.active_kid!r}, key_ids={list(self._ciphers)!r})"
