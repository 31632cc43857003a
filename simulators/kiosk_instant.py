"""自助机即时制卡（即时申领 / 即时补换卡）的一次到访：读证、拍照、取一张预制卡，组成终端请求。

A resident from the simulated systems (`kiosk_residents`) walks up; the kiosk's ID reader reads the
chip (number, name, validity, the chip portrait) and its camera takes a live photo. Faces come from
scikit-image's `astronaut` photograph (public domain, shipped in its wheel; the only human face a
package here carries), so every simulated resident wears it: the chip portrait is a 102 × 126 crop,
the live photo another "take" (mirrored, re-lit, re-framed). Some visits are refused on purpose, as
at a real kiosk: an expired ID card (`ID_EXPIRED`), nobody in front of the camera (`NO_FACE`), a
card holder asking for a first card (`ALREADY_HAS_CARD`); the province's own rules refuse others.

`visit(...)` is pure given its `random.Random`; the photos are made once per process.
"""

from __future__ import annotations

import base64
import functools
import io
import random
from datetime import date, timedelta

from simulators.kiosk_residents import Resident, WalkIns

PATH = "/api/v1/device/instant-issuances"
MIX = (("申领", 0.7), ("换卡", 0.2), ("补卡", 0.1))
EXPIRED_ID, EMPTY_FRAME, HOLDER_APPLIES = 0.05, 0.04, 0.05
LIVE_TAKES = 4
PREMADE_LOW, PREMADE_LOT = 2, 5  # ask the province for a lot when the hopper runs this low
REFUSALS = frozenset(
    {"ID_EXPIRED", "NO_FACE", "MULTIPLE_FACES", "FACE_MISMATCH", "ALREADY_HAS_CARD", "NOT_ELIGIBLE",
     "NAME_MISMATCH", "CHIP_PHOTO_NO_FACE"}
)  # fmt: skip


def _jpeg(image) -> str:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=88)
    return base64.b64encode(out.getvalue()).decode()


@functools.cache
def chip_portrait() -> str:
    """The ID chip's portrait: the astronaut's face, 102 × 126 like a second-generation card's."""
    from PIL import Image
    from skimage import data

    return _jpeg(Image.fromarray(data.astronaut()).crop((144, 39, 302, 235)).resize((102, 126)))


@functools.cache
def live_photo(take: int) -> str:
    """The kiosk camera's photo of the same face (one of `LIVE_TAKES` takes)."""
    from PIL import Image, ImageEnhance
    from skimage import data

    rng = random.Random(take)
    face = Image.fromarray(data.astronaut()).crop((110, 0, 400, 360))
    if take % 2:
        face = face.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    face = ImageEnhance.Brightness(face).enhance(rng.uniform(0.85, 1.15))
    dx, dy = rng.randint(0, 12), rng.randint(0, 12)
    return _jpeg(face.crop((dx, dy, face.width - 12 + dx, face.height - 12 + dy)).resize((480, 600)))


@functools.cache
def empty_frame() -> str:
    """Nobody in front of the camera: the counter with a cup of coffee on it."""
    from PIL import Image
    from skimage import data

    return _jpeg(Image.fromarray(data.coffee()))


def _who(rng: random.Random, walk_ins: WalkIns, county: str) -> tuple[Resident, str] | None:
    """The resident and the business they ask for (sometimes one they may not do)."""
    roll, business = rng.random(), MIX[-1][0]
    for name, share in MIX:
        if roll < share:
            business = name
            break
        roll -= share
    if business == "申领" and rng.random() < HOLDER_APPLIES:
        holder = walk_ins.take(county, "换卡", rng)
        if holder is not None:
            return holder, "申领"
    resident = walk_ins.take(county, business, rng) or walk_ins.take(county, "申领", rng)
    return (resident, resident.business) if resident else None


def visit(
    rng: random.Random, walk_ins: WalkIns, county: str, card: dict, event_id: str, stamp: str
) -> dict | None:
    """The instant-issuance request of the next resident at a kiosk in `county`, or None (nobody left)."""
    found = _who(rng, walk_ins, county)
    if found is None:
        return None
    resident, business = found
    valid_until = date.today() + timedelta(days=rng.randint(200, 7000))
    if rng.random() < EXPIRED_ID:
        valid_until = date.today() - timedelta(days=rng.randint(1, 400))
    live = empty_frame() if rng.random() < EMPTY_FRAME else live_photo(rng.randrange(LIVE_TAKES))
    return {
        "event_id": event_id,
        "issue_type": business,
        "id_reader": {
            "id_number": resident.id_number,
            "name": resident.name,
            "valid_until": valid_until.isoformat(),
            "photo": chip_portrait(),
        },
        "live_photo": live,
        "blank_card": card,
        "occurred_at": stamp,
    }
