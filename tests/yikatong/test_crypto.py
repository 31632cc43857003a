"""Tests for yikatong.crypto: known answers, round trips, tampering, SM2 interop and the key ring."""

import base64
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl.sm2 import CryptSM2
from hypothesis import given, settings
from hypothesis import strategies as st

from yikatong import crypto
from yikatong.crypto import (
    DEFAULT_SIGNER_ID,
    CryptoError,
    HmacSm3,
    KeyRing,
    Sm4Gcm,
    hmac_sm3,
    sm2_decrypt,
    sm2_encrypt,
    sm2_generate_keypair,
    sm2_public_key,
    sm2_sign,
    sm2_verify,
    sm2_za,
    sm3,
    sm3_hex,
    sm4_cbc_decrypt,
    sm4_cbc_encrypt,
    sm4_encrypt_block,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)

SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")
N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)

# GM/T 0003.5-2012 / GB/T 32918.5-2016 Annex A and C, on the recommended curve.
KAT_D = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
KAT_PUBLIC = (
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
KAT_K = int("59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21", 16)


@pytest.fixture(scope="module")
def keypair():
    return sm2_generate_keypair()


# ------------------------------------------------------------------------------------ SM3 / HMAC


@pytest.mark.parametrize(
    ("message", "digest"),
    [
        (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
        (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
    ],
)
def test_sm3_known_answers(message, digest):
    assert sm3_hex(message) == digest
    assert sm3(message) == bytes.fromhex(digest)


def _reference_hmac_sm3(key: bytes, data: bytes) -> bytes:
    """RFC 2104 written out with sm3(): block size 64, ipad 0x36, opad 0x5c."""
    if len(key) > 64:
        key = sm3(key)
    key = key.ljust(64, b"\x00")
    inner = sm3(bytes(b ^ 0x36 for b in key) + data)
    return sm3(bytes(b ^ 0x5C for b in key) + inner)


@settings(max_examples=200)
@given(key=st.binary(min_size=0, max_size=130), data=st.binary(max_size=300))
def test_hmac_sm3_matches_rfc2104_construction(key, data):
    assert hmac_sm3(key, data) == _reference_hmac_sm3(key, data)


@given(key=st.binary(min_size=16, max_size=64), prefix=st.binary(max_size=20), data=st.binary(max_size=50))
def test_hmac_sm3_precomputed_equals_one_shot(key, prefix, data):
    mac = HmacSm3(key, prefix=prefix)
    assert mac.digest(data) == hmac_sm3(key, prefix + data)
    assert mac.digest(data) == mac.digest(data)  # the keyed state is not consumed


# ------------------------------------------------------------------------------------ SM4 block


def test_sm4_block_known_answer():
    assert sm4_encrypt_block(SM4_KEY, SM4_KEY).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_block_iterated_million_times():
    encryptor = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).encryptor()
    update = encryptor.update
    block = SM4_KEY
    for _ in range(1_000_000):
        block = update(block)
    assert block.hex() == "595298c7c6fd271f0402f804c33d3f66"


@pytest.mark.parametrize(
    ("key", "block"), [(b"k" * 15, b"b" * 16), (b"k" * 16, b"b" * 17), (b"k" * 32, b"b" * 16)]
)
def test_sm4_block_rejects_wrong_sizes(key, block):
    with pytest.raises(ValueError, match="bytes"):
        sm4_encrypt_block(key, block)


# ------------------------------------------------------------------------------------ SM4-GCM

RFC8998_NONCE = bytes.fromhex("00001234567800000000ABCD")
RFC8998_AAD = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
RFC8998_PLAINTEXT = bytes.fromhex(
    "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
)
RFC8998_SEALED = bytes.fromhex(
    "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
    "83DE3541E4C2B58177E065A9BF7B62EC"
)


@pytest.fixture(params=["fast", "public"])
def context_path(request, monkeypatch):
    """Run a test through cryptography's context constructors directly and through Cipher()."""
    if request.param == "public":
        monkeypatch.setattr(crypto, "_new_encryptor", crypto._public_encryptor)
        monkeypatch.setattr(crypto, "_new_decryptor", crypto._public_decryptor)
    return request.param


def test_sm4_gcm_rfc8998_vector(context_path, monkeypatch):
    monkeypatch.setattr(crypto.secrets, "token_bytes", lambda n: RFC8998_NONCE[:n])
    blob = sm4_gcm_encrypt(SM4_KEY, RFC8998_PLAINTEXT, RFC8998_AAD)
    assert blob == RFC8998_NONCE + RFC8998_SEALED
    assert sm4_gcm_decrypt(SM4_KEY, blob, RFC8998_AAD) == RFC8998_PLAINTEXT


def test_sm4_gcm_fast_and_public_paths_interoperate():
    gcm = Sm4Gcm(SM4_KEY)
    blob = gcm.encrypt(b"511102199001011234", b"id_number")
    nonce, body, tag = blob[:12], blob[12:-16], blob[-16:]
    decryptor = Cipher(algorithms.SM4(SM4_KEY), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(b"id_number")
    assert decryptor.update(body) + decryptor.finalize() == b"511102199001011234"


@given(plaintext=st.binary(max_size=200), aad=st.binary(max_size=40))
def test_sm4_gcm_round_trip_and_layout(plaintext, aad):
    blob = sm4_gcm_encrypt(SM4_KEY, plaintext, aad)
    assert len(blob) == 12 + len(plaintext) + 16
    assert sm4_gcm_decrypt(SM4_KEY, blob, aad) == plaintext


def test_sm4_gcm_nonces_are_fresh():
    gcm = Sm4Gcm(SM4_KEY)
    blobs = {gcm.encrypt(b"same") for _ in range(100)}
    assert len({blob[:12] for blob in blobs}) == 100


@given(data=st.data())
def test_sm4_gcm_detects_any_flipped_bit(data):
    plaintext = data.draw(st.binary(min_size=1, max_size=40))
    blob = bytearray(sm4_gcm_encrypt(SM4_KEY, plaintext, b"phone"))
    bit = data.draw(st.integers(0, len(blob) * 8 - 1))
    blob[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(CryptoError, match="authentication failed"):
        sm4_gcm_decrypt(SM4_KEY, bytes(blob), b"phone")


def test_sm4_gcm_rejects_wrong_aad_wrong_key_and_short_blobs(context_path):
    blob = sm4_gcm_encrypt(SM4_KEY, b"13800138000", b"phone")
    with pytest.raises(CryptoError):
        sm4_gcm_decrypt(SM4_KEY, blob, b"bank_card")
    with pytest.raises(CryptoError):
        sm4_gcm_decrypt(SM4_KEY, blob)
    with pytest.raises(CryptoError):
        sm4_gcm_decrypt(bytes(16), blob, b"phone")
    with pytest.raises(CryptoError, match="shorter"):
        sm4_gcm_decrypt(SM4_KEY, blob[:27], b"phone")


def test_sm4_gcm_rejects_wrong_key_size():
    with pytest.raises(ValueError, match="16 bytes"):
        Sm4Gcm(b"short")


def test_crypto_error_is_a_value_error():
    assert issubclass(CryptoError, ValueError)


# ------------------------------------------------------------------------------------ SM4-CBC


def test_sm4_cbc_one_block_with_zero_iv_is_the_block_vector():
    ciphertext = sm4_cbc_encrypt(SM4_KEY, bytes(16), SM4_KEY)
    assert len(ciphertext) == 32  # a full block of PKCS#7 padding follows
    assert ciphertext[:16].hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_cbc_known_vector():
    plaintext = bytes.fromhex("00112233445566778899aabbccddeeff" * 2)
    expected = (
        "4691e99a3261b6144f6aa68bea48dbbd16e96658f113bf22cbe041bb87f2e01145d4184544ee7728d4f5e61653665de5"
    )
    assert sm4_cbc_encrypt(SM4_KEY, bytes(range(16)), plaintext).hex() == expected


@given(plaintext=st.binary(max_size=100), iv=st.binary(min_size=16, max_size=16))
def test_sm4_cbc_round_trip(plaintext, iv):
    ciphertext = sm4_cbc_encrypt(SM4_KEY, iv, plaintext)
    assert len(ciphertext) == (len(plaintext) // 16 + 1) * 16
    assert sm4_cbc_decrypt(SM4_KEY, iv, ciphertext) == plaintext


def test_sm4_cbc_bad_padding_and_lengths():
    block_ending_in_zero = sm4_encrypt_block(SM4_KEY, b"\x01" * 15 + b"\x00")  # decrypts to pad byte 0
    with pytest.raises(CryptoError, match="padding"):
        sm4_cbc_decrypt(SM4_KEY, bytes(16), block_ending_in_zero)
    with pytest.raises(CryptoError, match="multiple of 16"):
        sm4_cbc_decrypt(SM4_KEY, bytes(16), b"x" * 17)
    with pytest.raises(CryptoError, match="multiple of 16"):
        sm4_cbc_decrypt(SM4_KEY, bytes(16), b"")
    with pytest.raises(ValueError, match="IV"):
        sm4_cbc_encrypt(SM4_KEY, bytes(8), b"data")


# ------------------------------------------------------------------------------------ SM2 known answers


def test_sm2_public_key_za_and_digest_known_answers():
    assert sm2_public_key(KAT_D) == KAT_PUBLIC.lower()
    za = sm2_za(KAT_PUBLIC, DEFAULT_SIGNER_ID)
    assert za.hex() == "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3"
    e = crypto._message_digest(KAT_PUBLIC, b"message digest", DEFAULT_SIGNER_ID)
    assert e.hex() == "f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640"


def test_sm2_signature_known_answer():
    e = crypto._message_digest(KAT_PUBLIC, b"message digest", DEFAULT_SIGNER_ID)
    signature = crypto._sign_digest(int(KAT_D, 16), e, KAT_K)
    r = int("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3", 16)
    s = int("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA", 16)
    assert decode_dss_signature(signature) == (r, s)
    assert sm2_verify(KAT_PUBLIC, b"message digest", signature)


def test_sm2_encryption_known_answer():
    ciphertext = crypto._encrypt_with_k(KAT_PUBLIC.lower(), b"encryption standard", KAT_K)
    expected = bytes.fromhex(
        "04"
        "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"
        "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0"
        "59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766"
        "21886CA989CA9C7D58087307CA93092D651EFA"
    )
    assert ciphertext == expected
    assert sm2_decrypt(KAT_D, expected) == b"encryption standard"


# ------------------------------------------------------------------------------------ SM2 keys


def test_sm2_generate_keypair(keypair):
    assert re.fullmatch(r"[0-9a-f]{64}", keypair.private_hex)
    assert re.fullmatch(r"[0-9a-f]{128}", keypair.public_hex)
    assert sm2_public_key(keypair.private_hex) == keypair.public_hex
    assert keypair.private_hex not in repr(keypair)


def test_sm2_key_whose_x_starts_with_04():
    # 11·G = (04b3cb..., ...): gmssl's CryptSM2 would lstrip("04") this key; ours is kept intact.
    private = f"{11:064x}"
    public = sm2_public_key(private)
    assert public.startswith("04b3")
    for given_public in (public, "04" + public, public.upper()):
        assert sm2_verify(given_public, b"m", sm2_sign(private, b"m"))
        assert sm2_decrypt(private, sm2_encrypt(given_public, b"m")) == b"m"


@pytest.mark.parametrize(
    "public",
    ["", "04", "zz" * 64, "ab" * 63, "05" + "ab" * 64, "01" * 64],
    ids=["empty", "prefix-only", "not-hex", "short", "bad-prefix", "off-curve"],
)
def test_sm2_malformed_public_keys_raise(public):
    with pytest.raises(ValueError):
        sm2_encrypt(public, b"data")
    with pytest.raises(ValueError):
        sm2_verify(public, b"data", b"\x30\x00")


@pytest.mark.parametrize("private", ["", "0", "xyz", f"{N - 1:064x}", "1" * 65])
def test_sm2_malformed_private_keys_raise(private):
    with pytest.raises(ValueError):
        sm2_sign(private, b"data")


# ------------------------------------------------------------------------------------ SM2 signatures


def test_sm2_sign_verify(keypair):
    signature = sm2_sign(keypair.private_hex, "hello 乐山".encode())
    assert sm2_verify(keypair.public_hex, "hello 乐山".encode(), signature)
    assert sm2_verify("04" + keypair.public_hex, "hello 乐山".encode(), signature)
    assert not sm2_verify(keypair.public_hex, "hello 乐山!".encode(), signature)


def test_sm2_signature_is_der_sequence_of_two_integers(keypair):
    signature = sm2_sign(keypair.private_hex, b"data", public_hex=keypair.public_hex)
    assert signature[0] == 0x30 and signature[1] == len(signature) - 2
    r, s = decode_dss_signature(signature)
    assert 1 <= r < N and 1 <= s < N
    assert encode_dss_signature(r, s) == signature


def test_sm2_signer_id_is_part_of_the_signature(keypair):
    signature = sm2_sign(keypair.private_hex, b"data", signer_id=b"ALICE123@YAHOO.COM")
    assert sm2_verify(keypair.public_hex, b"data", signature, signer_id=b"ALICE123@YAHOO.COM")
    assert not sm2_verify(keypair.public_hex, b"data", signature, signer_id=b"BOB")
    assert not sm2_verify(keypair.public_hex, b"data", signature)


def test_sm2_verify_false_for_another_key(keypair):
    other = sm2_generate_keypair()
    assert not sm2_verify(other.public_hex, b"data", sm2_sign(keypair.private_hex, b"data"))


def _non_minimal_der(r: int, s: int) -> bytes:
    """A BER (not DER) encoding of (r, s): both INTEGERs carry superfluous leading zero bytes."""
    body = b"\x02\x22\x00\x00" + r.to_bytes(32, "big") + b"\x02\x22\x00\x00" + s.to_bytes(32, "big")
    return b"\x30" + bytes([len(body)]) + body


def _garbage_signatures(valid: bytes) -> list:
    r, s = decode_dss_signature(valid)
    return [
        b"",
        b"\x00",
        b"\x30\x00",
        b"not a signature",
        bytes(72),
        valid[:-1],
        valid + b"\x00",
        valid[:5] + bytes([valid[5] ^ 1]) + valid[6:],
        encode_dss_signature(0, s),
        encode_dss_signature(r, 0),
        encode_dss_signature(N, s),
        encode_dss_signature(r, N - r),  # r + s = n
        encode_dss_signature(r, s + N),
        _non_minimal_der(r, s),
        "a string",
        None,
        12345,
    ]


def test_sm2_verify_never_raises_on_garbage(keypair):
    valid = sm2_sign(keypair.private_hex, b"data")
    for garbage in _garbage_signatures(valid):
        assert sm2_verify(keypair.public_hex, b"data", garbage) is False, garbage
    assert sm2_verify(keypair.public_hex, None, valid) is False


@settings(max_examples=30, deadline=None)
@given(garbage=st.binary(max_size=80))
def test_sm2_verify_random_bytes_are_false(keypair, garbage):
    assert sm2_verify(keypair.public_hex, b"data", garbage) is False


def test_sm2_gmssl_signature_verifies_with_default_id(keypair):
    gmssl = CryptSM2(private_key=keypair.private_hex, public_key=keypair.public_hex)
    raw = gmssl.sign_with_sm3(b"from gmssl")
    der = encode_dss_signature(int(raw[:64], 16), int(raw[64:], 16))
    assert sm2_verify(keypair.public_hex, b"from gmssl", der)


def test_sm2_our_signature_verifies_with_gmssl(keypair):
    r, s = decode_dss_signature(sm2_sign(keypair.private_hex, b"to gmssl"))
    gmssl = CryptSM2(private_key=keypair.private_hex, public_key=keypair.public_hex)
    assert gmssl.verify_with_sm3(f"{r:064x}{s:064x}", b"to gmssl")


# ------------------------------------------------------------------------------------ SM2 encryption


@pytest.mark.parametrize("size", [1, 18, 31, 32, 33, 100])
def test_sm2_encrypt_layout_and_round_trip(keypair, size):
    message = bytes(range(size))
    ciphertext = sm2_encrypt(keypair.public_hex, message)
    assert len(ciphertext) == 1 + 64 + 32 + size
    assert ciphertext[0] == 0x04
    c1, c3, c2 = ciphertext[1:65], ciphertext[65:97], ciphertext[97:]
    assert crypto._on_curve(int.from_bytes(c1[:32], "big"), int.from_bytes(c1[32:], "big"))
    shared = bytes.fromhex(crypto._point_mul(int(keypair.private_hex, 16), c1.hex()))
    assert c3 == sm3(shared[:32] + message + shared[32:])
    assert len(c2) == size and c2 != message
    assert sm2_decrypt(keypair.private_hex, ciphertext) == message


def test_sm2_c1c2c3_order_does_not_decrypt(keypair):
    ciphertext = sm2_encrypt(keypair.public_hex, b"C1C3C2 only")
    c1, c3, c2 = ciphertext[:65], ciphertext[65:97], ciphertext[97:]
    with pytest.raises(CryptoError, match="C3 mismatch"):
        sm2_decrypt(keypair.private_hex, c1 + c2 + c3)


def test_sm2_tampered_or_wrong_key_fails(keypair):
    ciphertext = bytearray(sm2_encrypt(keypair.public_hex, b"secret"))
    ciphertext[-1] ^= 1
    with pytest.raises(CryptoError, match="C3 mismatch"):
        sm2_decrypt(keypair.private_hex, bytes(ciphertext))
    with pytest.raises(CryptoError):
        sm2_decrypt(sm2_generate_keypair().private_hex, sm2_encrypt(keypair.public_hex, b"secret"))


def test_sm2_malformed_ciphertexts(keypair):
    good = sm2_encrypt(keypair.public_hex, b"x")
    for bad in (b"", good[1:], b"\x02" + good[1:], good[:97]):
        with pytest.raises(CryptoError, match="04"):
            sm2_decrypt(keypair.private_hex, bad)
    off_curve = b"\x04" + bytes(64) + good[65:]
    with pytest.raises(CryptoError, match="not a point"):
        sm2_decrypt(keypair.private_hex, off_curve)
    with pytest.raises(ValueError, match="empty"):
        sm2_encrypt(keypair.public_hex, b"")


def test_sm2_interop_with_gmssl_c1c3c2(keypair):
    gmssl = CryptSM2(private_key=keypair.private_hex, public_key=keypair.public_hex, mode=1)
    ours = sm2_encrypt(keypair.public_hex, "张三 511102".encode())
    assert gmssl.decrypt(ours[1:]) == "张三 511102".encode()  # gmssl omits the 04 prefix
    assert sm2_decrypt(keypair.private_hex, b"\x04" + gmssl.encrypt(b"from gmssl")) == b"from gmssl"
    c1c2c3 = CryptSM2(private_key=keypair.private_hex, public_key=keypair.public_hex, mode=0)
    with pytest.raises(CryptoError):
        sm2_decrypt(keypair.private_hex, b"\x04" + c1c2c3.encrypt(b"from gmssl"))


# ------------------------------------------------------------------------------------ KeyRing

K1, K2 = bytes.fromhex("00112233445566778899aabbccddeeff"), bytes.fromhex("ffeeddccbbaa99887766554433221100")


def test_keyring_text_format():
    ring = KeyRing({"k1": K1}, active="k1")
    text = ring.encrypt(b"511102199001011234", b"id_number")
    kid, _, payload = text.partition("$")
    assert kid == "k1" and re.fullmatch(r"[A-Za-z0-9_-]+", payload)
    blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert sm4_gcm_decrypt(K1, blob, b"id_number") == b"511102199001011234"
    assert ring.decrypt(text, b"id_number") == b"511102199001011234"
    assert KeyRing.key_id_of(text) == "k1"


def test_keyring_rotation_keeps_old_ciphertexts_readable():
    ring = KeyRing({"k1": K1}, active="k1")
    old = ring.encrypt(b"old value")
    ring.rotate("k2", K2)
    new = ring.encrypt(b"new value")
    assert ring.active_kid == "k2" and ring.key_ids == ("k1", "k2")
    assert old.startswith("k1$") and new.startswith("k2$")
    assert ring.decrypt(old) == b"old value"
    assert ring.decrypt(new) == b"new value"
    with pytest.raises(ValueError, match="already"):
        ring.rotate("k1", K2)
    with pytest.raises(CryptoError, match="unknown key id"):
        KeyRing({"k1": K1}, active="k1").decrypt(new)


def test_keyring_from_spec():
    ring = KeyRing.from_spec(f" k1:{K1.hex()} , k2:{K2.hex().upper()} ", active="k2")
    assert ring.active_kid == "k2"
    assert ring.decrypt(KeyRing({"k2": K2}, active="k2").encrypt(b"x")) == b"x"
    assert ring.decrypt(KeyRing({"k1": K1}, active="k1").encrypt(b"y")) == b"y"
    assert KeyRing.from_spec(f"k1:{K1.hex()},k2:{K2.hex()}").active_kid == "k2"  # default: the last key


@pytest.mark.parametrize(
    ("spec", "active", "message"),
    [
        ("", "k1", "entry 1"),
        ("k1", "k1", "entry 1"),
        (f":{K1.hex()}", "k1", "entry 1"),
        (f"k1:{K1.hex()},", "k1", "entry 2"),
        (f"k1:{K1.hex()[:-2]}", "k1", "32 hex characters, got 30"),
        (f"k1:{K1.hex()}00", "k1", "32 hex characters, got 34"),
        (f"k1:{'g' * 32}", "k1", "not hexadecimal"),
        (f"k1:{K1.hex()},k1:{K2.hex()}", "k1", "twice"),
        (f"k1:{K1.hex()}", "k9", "active key id 'k9'"),
        (f"k$1:{K1.hex()}", "k$1", "key id"),
    ],
)
def test_keyring_malformed_specs(spec, active, message):
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        KeyRing.from_spec(spec, active=active)
    assert K1.hex() not in str(info.value) and K2.hex() not in str(info.value)


def test_keyring_rejects_bad_keys_and_hides_them():
    with pytest.raises(ValueError, match="16 bytes"):
        KeyRing({"k1": b"short"}, active="k1")
    with pytest.raises(ValueError, match="at least one key"):
        KeyRing({}, active="k1")
    ring = KeyRing({"k1": K1, "k2": K2}, active="k1")
    assert K1.hex() not in repr(ring) and "k2" in repr(ring)


@pytest.mark.parametrize("text", ["no-dollar", "k1$***", "k1$", "k1$AAAA"])
def test_keyring_decrypt_rejects_malformed_text(text):
    with pytest.raises(CryptoError):
        KeyRing({"k1": K1}, active="k1").decrypt(text)


def test_keyring_aad_and_tampering():
    ring = KeyRing({"k1": K1}, active="k1")
    text = ring.encrypt(b"13800138000", b"phone")
    with pytest.raises(CryptoError):
        ring.decrypt(text, b"name")
    kid, _, payload = text.partition("$")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    with pytest.raises(CryptoError):
        ring.decrypt(f"{kid}${flipped}", b"phone")
