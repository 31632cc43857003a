"""自助机模拟用的人员与卡片标识：持卡人、代领人、卡号、银行账号、芯片号（均为合成数据）。

Everything is drawn from a `random.Random` the caller owns, so a kiosk's stream of people is fixed
by the fleet seed. ID numbers carry a Leshan county address code and a valid GB 11643 check digit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from yikatong import ids

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅兵飞"
_SERIAL_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FIRST_CHARS = "KLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Person:
    id_number: str
    name: str


def person(rng: random.Random, county: str, *, min_age: int = 16) -> Person:
    """A resident of `county` with a valid ID number and a two- or three-character name."""
    born = date(2026, 1, 1) - timedelta(days=rng.randint(min_age * 365, 85 * 365))
    first17 = f"{county}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return Person(first17 + ids.check_char(first17), rng.choice(SURNAMES) + given)


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 10**9 - 1):09d}"


def bank_account(rng: random.Random) -> str:
    partial = "622848" + f"{rng.randint(0, 10**12 - 1):012d}"
    return partial + ids.luhn_check_digit(partial)


def chip_no(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016X}"


def card_no(kiosk_index: int, serial: int) -> str:
    """社保卡卡号 unique per kiosk: two characters naming the kiosk, seven digits of serial."""
    head = _FIRST_CHARS[(kiosk_index // 36) % len(_FIRST_CHARS)] + _SERIAL_CHARS[kiosk_index % 36]
    return f"{head}{serial % 10**7:07d}"
