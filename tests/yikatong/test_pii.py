"""Tests for yikatong.pii: masking rules, blind indexes and field encryption."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yikatong.crypto import CryptoError, KeyRing, hmac_sm3
from yikatong.pii import (
    COMPOUND_SURNAMES,
    KINDS,
    PiiProtector,
    ProtectedField,
    mask,
    mask_address,
    mask_bank_card,
    mask_id_number,
    mask_name,
    mask_phone,
    masks,
    normalise,
)

TOKEN_KEY = bytes(range(32))
RING = KeyRing({"k1": bytes(range(16))}, active="k1")

DIGITS = "0123456789"
mainland_ids = st.builds(
    str.__add__, st.text(DIGITS, min_size=17, max_size=17), st.sampled_from(DIGITS + "Xx")
)
mobiles = st.builds("1{}{}".format, st.sampled_from("3456789"), st.text(DIGITS, min_size=9, max_size=9))
card_numbers = st.text(DIGITS, min_size=13, max_size=19)
document_numbers = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=30)
han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)


@pytest.fixture(scope="module")
def protector():
    return PiiProtector(TOKEN_KEY, RING)


def shown_ends(original: str, masked: str) -> tuple[int, int]:
    """Check ``masked`` is ``original`` with a masked middle; return (shown head, shown tail)."""
    assert len(masked) == len(original)
    stars = [i for i, char in enumerate(masked) if char == "*"]
    head = stars[0] if stars else len(masked)
    tail = len(masked) - 1 - stars[-1] if stars else 0
    assert masked == original[:head] + "*" * (len(original) - head - tail) + original[len(original) - tail :]
    return head, tail


# ------------------------------------------------------------------------------------ ID numbers


def test_mask_id_number_example():
    assert mask_id_number("511102199001011234") == "511102********1234"
    assert mask_id_number("11010519491231002x") == "110105********002x"


@given(mainland_ids)
def test_mask_id_number_mainland_shows_6_plus_4(value):
    assert shown_ends(value, mask_id_number(value)) == (6, 4)


@given(document_numbers)
def test_mask_other_documents_show_at_most_half(value):
    masked = mask_id_number(value)
    head, tail = shown_ends(value, masked)
    assert head <= 6 and tail <= 4 and head + tail <= len(value) // 2


@pytest.mark.parametrize(
    ("value", "masked"),
    [("E12345678", "E1*****78"), ("123456789012345", "1234********345"), ("AB", "A*"), ("A", "*")],
)
def test_mask_other_documents_examples(value, masked):
    assert mask_id_number(value) == masked


# ------------------------------------------------------------------------------------ phones and cards


def test_mask_phone_example():
    assert mask_phone("13800138000") == "138****8000"


@given(mobiles)
def test_mask_phone_mobile_shows_3_plus_4(value):
    assert shown_ends(value, mask_phone(value)) == (3, 4)


@given(
    st.text(alphabet="0123456789-+ ", min_size=1, max_size=20).filter(
        lambda v: not re.fullmatch(r"1\d{10}", v)
    )
)
def test_mask_phone_other_numbers_show_at_most_half(value):
    head, tail = shown_ends(value, mask_phone(value))
    assert head <= 3 and tail <= 4 and head + tail <= len(value) // 2


@given(card_numbers)
def test_mask_bank_card_shows_6_plus_4(value):
    assert shown_ends(value, mask_bank_card(value)) == (6, 4)
    assert mask_bank_card("6222021234567890123") == "622202*********0123"


@given(st.text(DIGITS, min_size=1, max_size=12))
def test_mask_short_bank_numbers_show_at_most_half(value):
    head, tail = shown_ends(value, mask_bank_card(value))
    assert head <= 6 and tail <= 4 and head + tail <= len(value) // 2


# ------------------------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳锋", "欧阳*"),
        ("司马相如", "司马**"),
        ("单于", "单*"),
        ("张", "*"),
        (" 李四 ", "李*"),
        ("John Smith", "J*********"),
        ("阿卜杜拉·买买提", "阿*******"),
    ],
)
def test_mask_name_examples(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("surname", sorted(COMPOUND_SURNAMES))
def test_mask_name_compound_surnames(surname):
    assert len(COMPOUND_SURNAMES) == 21
    assert mask_name(surname + "一") == surname + "*"
    assert mask_name(surname + "一二") == surname + "**"
    assert mask_name(surname) == surname[0] + "*"


@given(st.text(han, min_size=2, max_size=5))
def test_mask_name_keeps_only_the_family_name(name):
    masked = mask_name(name)
    keep = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    assert masked == name[:keep] + "*" * (len(name) - keep)


# ------------------------------------------------------------------------------------ addresses


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("四川省乐山市市中区海棠街道xx路12号", "四川省乐山市市中区****"),
        ("四川省乐山市沙湾区嘉农镇", "四川省乐山市沙湾区****"),
        ("四川省乐山市五通桥区竹根镇", "四川省乐山市五通桥区****"),
        ("四川省乐山市金口河区永和镇", "四川省乐山市金口河区****"),
        ("四川省乐山市犍为县玉津镇", "四川省乐山市犍为县****"),
        ("四川省乐山市井研县研城镇", "四川省乐山市井研县****"),
        ("四川省乐山市夹江县漹城镇", "四川省乐山市夹江县****"),
        ("四川省乐山市沐川县沐溪镇", "四川省乐山市沐川县****"),
        ("四川省乐山市峨边彝族自治县沙坪镇", "四川省乐山市峨边彝族自治县****"),
        ("四川省乐山市马边彝族自治县民建镇", "四川省乐山市马边彝族自治县****"),
        ("四川省乐山市峨眉山市绥山镇名山路1号", "四川省乐山市峨眉山市****"),
        ("乐山市市中区张公桥好吃街8号", "乐山市市中区****"),
        ("四川省峨眉山市绥山镇名山路", "四川省峨眉山市****"),
        ("北京市朝阳区建国路88号", "北京市朝阳区****"),
        ("广西壮族自治区南宁市青秀区民族大道", "广西壮族自治区南宁市青秀区****"),
        ("四川省凉山彝族自治州西昌市长安街", "四川省凉山彝族自治州西昌市****"),
        ("内蒙古自治区锡林郭勒盟正蓝旗上都镇", "内蒙古自治区锡林郭勒盟正蓝旗****"),
        ("四川省阿坝藏族羌族自治州小金县美兴镇", "四川省阿坝藏族羌族自治州小金县****"),
        ("四川省乐山市海棠街道xx路12号", "四川省乐山市****"),
        ("四川省乐山市海棠小区3栋", "四川省乐山市****"),
        ("海棠小区3栋2单元", "****"),
        ("四川省乐山市市中区", "四川省乐山市市中区"),
    ],
)
def test_mask_address_examples(address, masked):
    assert mask_address(address) == masked


@given(st.text(alphabet="四川省乐山市中区县镇街道路号小0123456789", max_size=30))
def test_mask_address_only_keeps_a_digit_free_prefix(address):
    masked = mask_address(address)
    text = address.strip()
    if masked != text:
        assert masked.endswith("****")
        kept = masked[: -len("****")]
        assert text.startswith(kept) and not re.search(r"\d|路|街|号", kept)


# ------------------------------------------------------------------------------------ dispatch


@pytest.mark.parametrize("masker", [mask_id_number, mask_phone, mask_bank_card, mask_name, mask_address])
def test_maskers_pass_empty_values_through(masker):
    assert masker(None) is None
    assert masker("") == ""


def test_mask_and_masks_dispatch_by_kind():
    assert mask("13800138000", "phone") == "138****8000"
    assert masks(["张三", None, "", "欧阳娜娜"], "name") == ["张*", None, "", "欧阳**"]
    assert PiiProtector.masks(["13800138000"], "phone") == ["138****8000"]
    with pytest.raises(ValueError, match="unknown personal-data kind"):
        mask("x", "email")


# ------------------------------------------------------------------------------------ tokens


def test_token_is_hmac_sm3_over_kind_and_normalised_value(protector):
    expected = hmac_sm3(TOKEN_KEY, b"phone\x1f13800138000").hex()
    assert protector.token(" 138-0013 8000 ", "phone") == expected
    assert re.fullmatch(r"[0-9a-f]{64}", expected)


@pytest.mark.parametrize(
    ("kind", "variants"),
    [
        ("id_number", ["11010519491231002X", "11010519491231002x", " 11010519491231002x "]),
        ("phone", ["13800138000", "138 0013 8000", "138-0013-8000", "\t13800138000\n"]),
        ("bank_card", ["6222021234567890123", "6222 0212 3456 7890 123", "6222-0212-3456-7890-123"]),
        ("name", ["张三", " 张三 "]),
    ],
)
def test_token_normalisation(protector, kind, variants):
    assert len({protector.token(value, kind) for value in variants}) == 1
    assert normalise(variants[-1], kind) == variants[0]


@given(value=st.text(min_size=1).filter(str.strip))
def test_tokens_are_deterministic_and_separated_by_kind(protector, value):
    assert protector.token(value, "name") == protector.token(value, "name")
    assert len({protector.token(value, kind) for kind in KINDS if normalise(value, kind)}) == len(
        [kind for kind in KINDS if normalise(value, kind)]
    )


def test_tokens_depend_on_the_key(protector):
    other = PiiProtector(bytes(32), RING)
    assert other.token("13800138000", "phone") != protector.token("13800138000", "phone")


def test_tokens_vectorised(protector):
    values = ["13800138000", None, "  ", "139 0000 0000", "13800138000"]
    result = protector.tokens(values, "phone")
    assert result[0] == result[4] == protector.token("13800138000", "phone")
    assert result[1] is None and result[2] is None
    assert result[3] == protector.token("13900000000", "phone")


def test_token_errors(protector):
    with pytest.raises(ValueError, match="empty"):
        protector.token("   ", "name")
    with pytest.raises(ValueError, match="unknown personal-data kind"):
        protector.token("x", "email")
    with pytest.raises(ValueError, match="unknown personal-data kind"):
        protector.tokens(["x"], "email")
    with pytest.raises(ValueError, match="16 bytes"):
        PiiProtector(b"short", RING)


# ------------------------------------------------------------------------------------ encryption


@given(value=st.text(max_size=60), kind=st.sampled_from(KINDS))
def test_encrypt_decrypt_round_trip(protector, value, kind):
    text = protector.encrypt(value, kind)
    assert text.startswith("k1$")
    assert protector.decrypt(text, kind) == value


def test_ciphertext_is_bound_to_its_kind(protector):
    text = protector.encrypt("13800138000", "phone")
    with pytest.raises(CryptoError):
        protector.decrypt(text, "bank_card")
    with pytest.raises(ValueError, match="unknown personal-data kind"):
        protector.encrypt("x", "email")


def test_protect(protector):
    field = protector.protect("511102199001011234", "id_number")
    assert isinstance(field, ProtectedField)
    assert field.token == protector.token("511102199001011234", "id_number")
    assert protector.decrypt(field.cipher, "id_number") == "511102199001011234"
    assert field.masked == "511102********1234"
