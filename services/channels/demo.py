"""演示（demo/test profiles only）：`make run` 之后，居民能打开 H5 页面申领，工作人员能受理、审核。

`stage_channels()` (a `make run` stage, after the card system simulator is up) makes sure that:

- channel `tfth` (天府通办) is registered, its identity provider's SM2 key pair kept in
  `<home>/demo-keys/channel-tfth.json` (the channel's side of the trust; the platform holds only the
  public key);
- a demo resident exists who may apply: enrolled in the 全民参保库 and holding no usable card in the
  card system (chosen once, kept in `<home>/demo-resident/resident.json`), with a photographed ID card
  (`id-card.jpg`, the resident's data and a sample face) and a live photo of the same face
  (`photo.jpg`) to upload;
- a 业务经办 `szq_operator` (市中区) for 前台受理 beside the demo 区域管理员 `szq_admin` (后台审核).

`GET /h5/demo-login` (not in prod) signs a fresh assertion with the demo channel key for the demo
resident and enters the H5 pages, as the channel's web view would.
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from services.base.errors import not_found
from simulators import channel_push
from simulators.channel_idp import IdentityProvider
from yikatong import crypto, pii
from yikatong.settings import get_settings

router = APIRouter(prefix="/h5", include_in_schema=False)
CHANNEL = "tfth"
OPERATOR = "szq_operator"  # declared in services.admin.demo.DEMO_USERS


def _home() -> Path:
    return get_settings().home


def _idp() -> IdentityProvider:
    path = _home() / "demo-keys" / f"channel-{CHANNEL}.json"
    if path.exists():
        saved = json.loads(path.read_text())
        return IdentityProvider(CHANNEL, crypto.SM2KeyPair(saved["private_hex"], saved["public_hex"]))
    idp = IdentityProvider(CHANNEL)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"private_hex": idp.keys.private_hex, "public_hex": idp.keys.public_hex}))
    path.chmod(0o600)
    return idp


def _resident_file() -> Path:
    return _home() / "demo-resident" / "resident.json"


def _register_channel(session, idp: IdentityProvider) -> None:
    from services.channels.models import Channel

    row = session.get(Channel, CHANNEL)
    if row is None:
        session.add(
            Channel(
                channel_id=CHANNEL,
                name="天府通办",
                channel_class="政府渠道",
                tier=1,
                region_code="511100",
                idp_public_key=idp.public_key,
                rate_limit_per_min=600,
                status="启用",
                registered_by="demo",
                push_url=channel_push.local_url(),
            )
        )
    elif row.push_url is None:  # a channel registered before the push simulator was served
        row.push_url = channel_push.local_url()
    elif row.idp_public_key != idp.public_key:
        row.idp_public_key = idp.public_key


def _operator(session) -> None:
    from services.admin import demo

    demo.ensure_user(session, demo.demo_user(OPERATOR))


def _password(username: str) -> str:
    from services.admin import demo

    return demo.demo_user(username).password


def _pick_resident() -> dict[str, str]:
    """An adult in the 全民参保库, enrolled, with no usable card in the card system."""
    from services.channels import registries
    from simulators.sources.card_system import DATABASE as CARDS
    from yikatong import db

    with db.engine(registries.sources().insurance_database).connect() as conn:
        candidates = conn.execute(
            sa.text(
                "select p.aac002, p.aac003 from qmcb_person p join qmcb_enrolment e using (aac001)"
                " where e.aac008 in ('1', '4') and coalesce(p.aac058, '01') = '01'"
                " and p.aac002 like '511102%'"
                " and substr(p.aac002, 7, 4) between '1960' and '2000' order by p.aac001 limit 500"
            )
        ).all()
    with db.engine(CARDS).connect() as conn:
        holders = {
            r[0]
            for r in conn.execute(
                sa.text("select aac002 from kgl_card where aac002 = any(:ids) and aaz502 in ('0', '1', '4')"),
                {"ids": [c[0] for c in candidates]},
            )
        }
        pending = {
            r[0]
            for r in conn.execute(
                sa.text("select aac002 from kgl_apply where aac002 = any(:ids) and shzt = '0'"),
                {"ids": [c[0] for c in candidates]},
            )
        }
    free = [c for c in candidates if c[0] not in holders | pending]
    if not free:
        raise RuntimeError("全民参保库中没有可演示申领的居民（都已有卡）")
    return {"id_number": free[0][0], "name": free[0][1]}


def _resident_images(resident: dict[str, str]) -> None:
    from PIL import Image, ImageEnhance
    from skimage import data

    from simulators import id_card_images

    folder = _resident_file().parent
    face = Image.fromarray(data.astronaut()).crop((180, 20, 360, 240))
    holder = id_card_images.make_holder(random.Random(resident["id_number"]))
    holder = id_card_images.IdCardHolder(**holder.fields() | resident)
    card = id_card_images.render(holder, portrait=face, seed=1)
    (folder / "id-card.jpg").write_bytes(id_card_images.jpeg_bytes(id_card_images.photograph(card, seed=1)))
    live = ImageEnhance.Brightness(
        face.transpose(Image.Transpose.FLIP_LEFT_RIGHT).resize((480, 600))
    ).enhance(1.1)
    out = io.BytesIO()
    live.save(out, "JPEG", quality=90)
    (folder / "photo.jpg").write_bytes(out.getvalue())


def stage_channels() -> str:
    """`make run` 阶段：演示渠道、演示居民（含证件照与本人照片）、业务经办；返回 H5 地址与登录方法。"""
    from services.base.db import database_name
    from yikatong import db

    settings = get_settings()
    if settings.profile == "prod":
        return "生产环境不创建演示渠道与居民"
    push = channel_push.start_in_background()
    idp = _idp()
    with db.sessionmaker_for(database_name())() as session:
        _register_channel(session, idp)
        _operator(session)
        session.commit()
    path = _resident_file()
    if path.exists():
        resident = json.loads(path.read_text())
    else:
        resident = _pick_resident()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(resident, ensure_ascii=False))
    if not (path.parent / "photo.jpg").exists():
        _resident_images(resident)
    base = f"http://127.0.0.1:{settings.api_port}"
    who = f"{pii.mask(resident['name'], 'name')}（{pii.mask(resident['id_number'], 'id_number')}）"
    return (
        f"H5 {base}/h5/demo-login 以演示居民 {who} 经天府通办实名进入；申领时上传 {path.parent}/id-card.jpg"
        f" 与 {path.parent}/photo.jpg，领卡网点 511102004001；前台受理 {OPERATOR} / {_password(OPERATOR)}，"
        f"后台审核 szq_admin（`ykt api login <用户名>` 取令牌，队列 GET /api/v1/admin/channel-applications）"
        f"；{push}"
    )


@router.get("/demo-login")
async def demo_login():
    """演示：以演示渠道的密钥为演示居民签发实名断言并进入 H5（生产环境不存在）。"""
    path = _resident_file()
    if get_settings().profile == "prod" or not path.exists():
        raise not_found("页面")
    resident = json.loads(path.read_text())
    assertion = _idp().assertion(resident["id_number"], resident["name"])
    return RedirectResponse(f"/h5/enter?assertion={quote(assertion)}", status_code=303)
