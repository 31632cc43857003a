"""Kiosk instant application and replacement (3.2.4) through the signed device API: the chip portrait
against the live photo (dlib), the province's cards (simulator over real HTTP), the device's blank
stock, the issuance record and the write-back; every refusal leaves nothing written."""

from __future__ import annotations

import asyncio
import base64
import functools
import io

import numpy as np
import pytest
from PIL import Image

from services.capabilities import face
from tests.capabilities.face_samples import load, retake
from tests.services.cards_support import CARD_DB, add_blank, card_no, event_id, kiosk, now_iso, person
from tests.services.helpers import sql
from yikatong import db

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
PATH = "/instant-issuances"
ACCOUNT = "6228480000000009999"


def _jpeg(image: Image.Image) -> str:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return base64.b64encode(out.getvalue()).decode()


@functools.cache
def chip_photo(name: str) -> str:
    """The ID chip's portrait (102 × 126) cut around the face of a sample photograph."""
    image = load(name)
    found = face.describe(np.asarray(image), descriptor=False)[0][0]
    cx, cy, w = found.left + found.width / 2, found.top + found.height / 2, found.width * 1.8
    h = w * 126 / 102
    box = (int(cx - w / 2), int(cy - h * 0.45), int(cx + w / 2), int(cy + h * 0.55))
    return _jpeg(image.crop(box).resize((102, 126)))


@functools.cache
def live_photo(name: str) -> str:
    return _jpeg(retake(load(name, max_side=800), seed=3))


def body(id_number: str, name: str, blank: str, issue_type: str = "申领", live: str = "obama.jpg", **extra):
    reading = {"id_number": id_number, "name": name, "photo": chip_photo("obama2.jpg")}
    return {
        "event_id": event_id(),
        "issue_type": issue_type,
        "id_reader": reading | extra.pop("reading", {}),
        "live_photo": live_photo(live),
        "blank_card": {"card_no": blank, "chip_no": "86860001A1B2C3D4", "bank_account": ACCOUNT},
        "occurred_at": now_iso(),
    } | extra


def premade(card: str) -> None:
    """The province knows the pre-made card (number, chip, pre-opened account): its write-back can succeed."""
    with db.engine(CARD_DB).begin() as conn:
        conn.exec_driver_sql(
            "insert into kgl_card (aaz500, aac002, aac003, aaz502, aae008, aae010, chipno, aae036)"
            " values (%s, null, null, '0', '103', %s, '86860001A1B2C3D4', now()) on conflict do nothing",
            (card, ACCOUNT),
        )


def province_card_status(card: str, status: str) -> None:
    with db.engine(CARD_DB).begin() as conn:
        code = conn.exec_driver_sql(
            "select code from kgl_code where codetype = 'AAZ502' and codename = %s", (status,)
        ).scalar()
        conn.exec_driver_sql("update kgl_card set aaz502 = %s where aaz500 = %s", (code, card))


def province_card(card: str) -> tuple[str | None, str]:
    """(holder, status name) of a card in the province's own tables."""
    with db.engine(CARD_DB).connect() as conn:
        return conn.exec_driver_sql(
            "select c.aac002, k.codename from kgl_card c join kgl_code k"
            " on k.codetype = 'AAZ502' and k.code = c.aaz502 where c.aaz500 = %s",
            (card,),
        ).one()


def written() -> tuple[int, int, int]:
    counts = sql(
        "select (select count(*) from card_issuance), (select count(*) from card_blank_usage),"
        " (select count(*) from card_writeback)"
    )
    return tuple(counts[0])


async def stocked(client, sysadmin, seq: int, cards: int):
    device = await kiosk(client, sysadmin.headers, seq)
    if cards:
        assert (await add_blank(client, sysadmin.headers, device.device_id, cards)).status_code == 201
    return device


async def test_instant_application_makes_a_card_from_the_kiosks_stock(client, sysadmin, province):
    device = await stocked(client, sysadmin, 601, 3)
    premade(card_no(601))
    request = body(person(601), "孙立新", card_no(601))
    answer = await device.post(PATH, request)
    assert answer.status_code == 201, answer.text
    out = answer.json()
    assert out["issue_type"] == "领卡" and out["card_no"] == card_no(601) and out["old_card_no"] is None
    assert out["approval"]["face_distance"] < face.MATCH_DISTANCE
    assert "可即时申领" in out["approval"]["card_check"]
    assert out["balance"]["remaining"] == 2 and out["holder_masked"].endswith(person(601)[-4:])
    assert out["writeback"]["state"] == "成功" and out["activated_at"]
    assert sql("select reason, usage from card_blank_usage") == [("即时申领", "制卡")]
    again = await device.post(PATH, request)  # the kiosk resends after a timeout
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["issuance_id"] == out["issuance_id"] and written() == (1, 1, 1)
    assert province_card(card_no(601)) == (person(601), "正常")  # bound to the holder and activated
    unknown = await device.post(PATH, body(person(602), "孙立业", card_no(602)))
    assert unknown.status_code == 409 and unknown.json()["code"] == "CARD_SYSTEM_REFUSED"
    assert unknown.json()["detail"]["province_code"] == "1002"  # not a pre-made card the province knows
    taken = await device.post(PATH, body(person(602), "孙立业", card_no(601)) | {"event_id": event_id()})
    assert taken.status_code == 409 and taken.json()["detail"]["province_code"] == "2006", taken.text
    assert written() == (1, 1, 1) and province_card(card_no(601)) == (person(601), "正常")


async def test_instant_replacement_takes_the_province_card(client, sysadmin, province):
    device = await stocked(client, sysadmin, 602, 2)
    province_card_status(card_no(101), "正常")
    premade(card_no(611))
    premade(card_no(612))
    swap = await device.post(PATH, body(person(101), "王小明", card_no(611), "换卡"))
    assert swap.status_code == 201, swap.text
    assert swap.json()["issue_type"] == "换卡" and swap.json()["old_card_no"] == card_no(101)
    province_card_status(card_no(103), "临时挂失")
    lost = await device.post(PATH, body(person(105), "赵大", card_no(612), "补卡"))
    assert lost.status_code == 201, lost.text
    assert lost.json()["issue_type"] == "补卡" and lost.json()["old_card_no"] == card_no(103)
    assert sql("select count(*) from card_issuance where issue_type in ('补卡', '换卡')") == [(2,)]
    assert province_card(card_no(101)) == (person(101), "注销")  # the replaced cards are cancelled
    assert province_card(card_no(103)) == (person(105), "注销")
    assert province_card(card_no(611)) == (person(101), "正常")
    assert province_card(card_no(612)) == (person(105), "正常")


REFUSALS = [
    ({"live": "biden.jpg"}, 422, "FACE_MISMATCH"),
    ({"reading": {"valid_until": "2020-01-01"}}, 422, "ID_EXPIRED"),
    ({"who": (person(101), "王小明")}, 409, "ALREADY_HAS_CARD"),
    ({"who": (person(101), "王小明"), "issue_type": "补卡"}, 409, "NOT_ELIGIBLE"),
    ({"who": (person(101), "王大明"), "issue_type": "换卡"}, 422, "NAME_MISMATCH"),
    ({"stock": 0}, 409, "STOCK_INSUFFICIENT"),
    ({"live_photo": base64.b64encode(b"%PDF-1.4" * 40).decode()}, 415, "IMAGE_UNSUPPORTED"),
    ({"premade": False}, 409, "CARD_SYSTEM_REFUSED"),  # the province refuses a card it never made
]


@pytest.mark.parametrize(("change", "status", "code"), REFUSALS, ids=[r[2] for r in REFUSALS])
async def test_a_refusal_writes_nothing(client, sysadmin, province, change, status, code):
    change = dict(change)
    device = await stocked(client, sysadmin, 603, change.pop("stock", 2))
    who = change.pop("who", (person(621), "周新民"))
    blank = card_no(621) if change.pop("premade", True) else card_no(622)
    premade(card_no(621))
    answer = await device.post(PATH, body(*who, blank, **change))
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code and answer.json()["message"]
    assert written() == (0, 0, 0)
    balance = (await device.call("GET", "/api/v1/device/blank-cards")).json()
    assert balance["used_total"] == 0


async def test_two_requests_race_for_a_devices_last_card(client, sysadmin, province):
    last = await stocked(client, sysadmin, 604, 1)
    for n in (631, 632, 633):
        premade(card_no(n))
    other = await stocked(client, sysadmin, 605, 1)
    answers = await asyncio.gather(
        last.post(PATH, body(person(631), "吴一", card_no(631))),
        last.post(PATH, body(person(632), "吴二", card_no(632))),
        other.post(PATH, body(person(633), "吴三", card_no(633))),
    )
    first_two = sorted(a.status_code for a in answers[:2])
    assert first_two == [201, 409], [a.text for a in answers]
    loser = next(a for a in answers[:2] if a.status_code == 409)
    assert loser.json()["code"] == "STOCK_INSUFFICIENT"
    assert answers[2].status_code == 201  # another kiosk's stock is its own
    assert written()[:2] == (2, 2)
    remaining = sql("select device_id, added_total - used_total from card_blank_stock order by 1")
    assert [r[1] for r in remaining] == [0, 0]
