from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from yikatong import ids

KNOWN_VALID = ["11010519491231002X", "440524188001010014"]


def test_known_valid_examples():
    for number in KNOWN_VALID:
        assert ids.check_id(number).valid, number


def test_lower_case_x_is_accepted_and_stored_upper():
    verdict = ids.check_id("11010519491231002x")
    assert verdict.valid and verdict.number == "11010519491231002X"


def test_reasons():
    assert ids.check_id("1101051949123100").code == "bad_length"
    assert ids.check_id("11010519491231002A").code == "bad_chars"
    assert ids.check_id("110105194912310021").code == "bad_check_digit"
    feb29 = "51110219990229" + "123"
    assert ids.check_id(feb29 + ids.check_char(feb29)).code == "bad_birth_date"
    leap = "51110220000229" + "123"
    assert ids.check_id(leap + ids.check_char(leap)).valid
    future = "51110230000101" + "123"
    assert ids.check_id(future + ids.check_char(future), today=date(2026, 11, 28)).code == "bad_birth_date"
    assert ids.check_id("991105194912310020").code == "bad_province"


def test_retired_leshan_code_warns_but_passes():
    first17 = "511121" + "19800101" + "001"  # 511121 (仁寿, now 眉山) is not in today's 乐山 tree
    verdict = ids.check_id(first17 + ids.check_char(first17))
    assert verdict.valid and verdict.warning


def test_sex_from_sequence_parity():
    assert ids.check_id("440524188001010014").sex == "男"
    assert ids.check_id("11010519491231002X").sex == "女"


@st.composite
def id_numbers(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    county = draw(st.sampled_from(["511102", "511132", "110105", "440524"]))
    born = np.datetime64("1900-01-01") + np.timedelta64(draw(st.integers(0, 45000)), "D")
    male = draw(st.booleans())
    return str(ids.generate_ids(rng, np.array([county]), np.array([born]), np.array([male]))[0])


@settings(max_examples=300)
@given(id_numbers())
def test_generated_ids_are_always_valid(number):
    assert ids.check_id(number, today=date(2030, 1, 1)).valid


@settings(max_examples=200)
@given(id_numbers(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_every_single_character_corruption_is_detected(number, position, replacement):
    if number[position] == replacement:
        return
    corrupted = number[:position] + replacement + number[position + 1 :]
    assert not ids.check_id(corrupted, today=date(2030, 1, 1)).valid


def test_bank_cards_luhn():
    rng = np.random.default_rng(7)
    cards = ids.generate_bank_cards(rng, np.array(["622848", "621700"] * 50))
    assert all(ids.is_valid_bank_card(c) for c in cards)
    assert all(len(c) == 19 for c in cards)
    broken = cards[0][:-1] + str((int(cards[0][-1]) + 1) % 10)
    assert not ids.is_valid_bank_card(broken)
    assert ids.is_valid_bank_card("4111 1111 1111 1111")


def test_card_number_and_phone():
    assert ids.is_valid_card_number("B00000019")
    assert not ids.is_valid_card_number("B0000019")
    assert list(ids.format_card_numbers("B", np.array([19, 123]))) == ["B00000019", "B00000123"]
    assert ids.is_valid_phone("13800138000") and ids.is_valid_phone("138-0013-8000")
    assert not ids.is_valid_phone("12800138000")
