"""人脸比对：真实照片组成的同一人 / 不同人照片对上的准确率、证件照比对、照片检查与坏输入。

Photos: see `face_samples` (scikit-image's astronaut; the Obama and Biden photographs in the
face_recognition 1.3.0 source distribution). "Retakes" mirror, re-light and re-frame a photo, as
a second camera shot would; they stand in for live photos of people with only one published photo.
"""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from PIL import Image

from services.capabilities import face
from simulators import id_card_images
from tests.capabilities import face_samples
from tests.capabilities.conftest import signed
from tests.services.helpers import sql

COMPARE, CHECK = "/api/v1/capabilities/face/compare", "/api/v1/capabilities/face/check"
PEOPLE = {
    "obama": [*face_samples.OBAMA, "retake:obama.jpg"],
    "biden": ["biden.jpg", "retake:biden.jpg"],
    "collins": ["astronaut", "retake:astronaut"],
}


def photo(name: str) -> Image.Image:
    if name.startswith("retake:"):
        return face_samples.retake(face_samples.load(name.removeprefix("retake:")), seed=len(name))
    return face_samples.load(name)


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def vectors() -> dict[str, np.ndarray]:
    out = {}
    for name in itertools.chain.from_iterable(PEOPLE.values()):
        _, vector = face.describe(np.asarray(photo(name)))
        assert vector is not None, f"no face found in {name}"
        out[name] = vector
    return out


def test_accuracy_on_matching_and_non_matching_pairs(vectors):
    owner = {name: person for person, names in PEOPLE.items() for name in names}
    pairs = list(itertools.combinations(sorted(vectors), 2))
    outcomes = [(owner[a] == owner[b], face.compare(vectors[a], vectors[b]).same_person) for a, b in pairs]
    matching = [said for truth, said in outcomes if truth]
    different = [said for truth, said in outcomes if not truth]
    accuracy = sum(truth == said for truth, said in outcomes) / len(outcomes)
    missed = [pair for pair, (truth, said) in zip(pairs, outcomes, strict=True) if truth != said]
    print(
        f"face pairs: {len(matching)} matching ({sum(matching)} accepted), {len(different)} non-matching "
        f"({sum(different)} falsely accepted); accuracy {accuracy:.1%}; wrong: {missed}"
    )
    assert len(matching) >= 15 and len(different) >= 25
    assert accuracy >= 0.95 and not any(different)  # a false accept is the costly error


def _portrait(name: str) -> Image.Image:
    """The face of `name` cut out like an ID photo (4:5, head and shoulders)."""
    image = photo(name)
    found = face.describe(np.asarray(image), descriptor=False)[0][0]
    cx, cy, size = found.left + found.width / 2, found.top + found.height / 2, found.width * 1.8
    return image.crop((int(cx - size / 2), int(cy - size * 0.6), int(cx + size / 2), int(cy + size * 0.65)))


def test_live_photo_against_the_photo_on_an_id_card():
    holder = id_card_images.make_holder(__import__("random").Random(7))
    card = id_card_images.photograph(id_card_images.render(holder, portrait=_portrait("biden.jpg")))
    _, on_card = face.describe(np.asarray(card))
    _, live_biden = face.describe(np.asarray(photo("retake:biden.jpg")))
    _, live_obama = face.describe(np.asarray(photo("obama2.jpg")))
    assert face.compare(live_biden, on_card).same_person
    assert not face.compare(live_obama, on_card).same_person


def _files(live: bytes, reference: bytes) -> dict:
    return {"live": ("live.jpg", live, "image/jpeg"), "reference": ("id.jpg", reference, "image/jpeg")}


@pytest.mark.integration
@pytest.mark.asyncio(loop_scope="session")
class TestOverHttp:
    async def test_compare_same_and_different_people(self, client, partner):
        obama, obama2, biden = (jpeg(photo(n)) for n in ("obama.jpg", "obama2.jpg", "biden.jpg"))
        same = await signed(client, partner, "POST", COMPARE, files=_files(obama2, obama))
        assert same.status_code == 200, same.text
        assert same.json()["same_person"] and same.json()["distance"] < same.json()["threshold"]
        other = await signed(client, partner, "POST", COMPARE, files=_files(biden, obama))
        assert other.status_code == 200 and not other.json()["same_person"]
        rows = sql("select action, result from audit_log where action = 'capability.face.compare'")
        assert rows == [("capability.face.compare", "成功")] * 2

    async def test_photo_check_accepts_one_face(self, client, partner):
        response = await signed(
            client, partner, "POST", CHECK, files={"photo": ("p.jpg", jpeg(photo("astronaut")), "image/jpeg")}
        )
        assert response.status_code == 200, response.text
        assert response.json()["width"] == 512 and response.json()["face"]["width"] > 60

    async def test_photo_without_a_face(self, client, partner):
        from skimage import data

        coffee = jpeg(Image.fromarray(data.coffee()))
        response = await signed(
            client, partner, "POST", CHECK, files={"photo": ("p.jpg", coffee, "image/jpeg")}
        )
        assert response.status_code == 422 and response.json()["code"] == "NO_FACE"
        reference = await signed(
            client, partner, "POST", COMPARE, files=_files(jpeg(photo("obama.jpg")), coffee)
        )
        assert reference.status_code == 422 and reference.json()["code"] == "NO_FACE"

    async def test_photo_with_two_faces(self, client, partner):
        left, right = photo("obama2.jpg"), photo("biden.jpg")
        both = Image.new("RGB", (left.width + right.width, max(left.height, right.height)), "white")
        both.paste(left, (0, 0))
        both.paste(right, (left.width, 0))
        both.thumbnail((1200, 1200))
        response = await signed(
            client, partner, "POST", CHECK, files={"photo": ("p.jpg", jpeg(both), "image/jpeg")}
        )
        assert response.status_code == 422 and response.json()["code"] == "MULTIPLE_FACES"
        assert response.json()["detail"] == {"faces": 2}

    async def test_bad_uploads(self, client, partner):
        good = jpeg(photo("obama.jpg"))
        not_image = await signed(client, partner, "POST", COMPARE, files=_files(b"hello, not a photo", good))
        assert not_image.status_code == 415 and not_image.json()["code"] == "IMAGE_UNSUPPORTED"
        small = jpeg(Image.new("RGB", (120, 160), "gray"))
        tiny = await signed(client, partner, "POST", CHECK, files={"photo": ("p.jpg", small, "image/jpeg")})
        assert tiny.status_code == 422 and tiny.json()["code"] == "IMAGE_DIMENSIONS"
        missing = await signed(
            client, partner, "POST", COMPARE, files={"live": ("l.jpg", good, "image/jpeg")}
        )
        assert missing.status_code == 422 and missing.json()["code"] == "IMAGE_MISSING"
        assert sql("select count(*) from audit_log where result = '成功'")[0][0] == 1  # only the registration
