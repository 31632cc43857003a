"""合成的居民身份证人像面图片（测试与演示用）：姓名、性别、民族、出生、住址、公民身份号码与照片。

The layout follows the second-generation card's portrait side (85.6 × 54 mm, labels in blue, values
in black, photo on the right) drawn with Pillow and a CJK font from Debian (`fonts-wqy-zenhei`).
Residents are made deterministically from a seed with valid GB 11643 numbers, so OCR accuracy can be
measured against the truth. A `portrait` image (e.g. a real face) can be put in the photo box.
"""

from __future__ import annotations

import functools
import io
import random
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from simulators.wordlists import ETHNIC_GROUPS
from yikatong.ids import check_char

FONT_PATHS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
WIDTH, HEIGHT = 856, 540  # 10 px per mm
_LABEL = (40, 110, 170)
_INK = (20, 20, 20)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文"  # noqa: E501
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩凯晨欣怡婷雪琳佳颖思远博轩子涵梓萱雨泽俊豪天佑"  # noqa: E501
_STREETS = (
    "嘉州大道",
    "人民南路",
    "滨江路",
    "柏杨中路",
    "白塔街",
    "县街",
    "新村街",
    "凤凰路",
    "育贤街",
    "海棠路",
)
_PLACES = (
    ("511102", "四川省乐山市市中区"),
    ("511111", "四川省乐山市沙湾区"),
    ("511112", "四川省乐山市五通桥区"),
    ("511123", "四川省犍为县"),
    ("511124", "四川省井研县"),
    ("511126", "四川省夹江县"),
    ("511181", "四川省峨眉山市"),
)


@dataclass(frozen=True)
class IdCardHolder:
    """身份证人像面上的六项信息（出生为 `YYYY年M月D日`，与证面一致）。"""

    name: str
    sex: str
    ethnicity: str
    birth: str
    address: str
    id_number: str

    def fields(self) -> dict[str, str]:
        return asdict(self)


def make_holder(rng: random.Random) -> IdCardHolder:
    """A random but consistent resident: the ID number matches sex, birth date and county."""
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 65))
    male = rng.random() < 0.5
    code, prefix = rng.choice(_PLACES)
    sequence = rng.randrange(500) * 2 + (1 if male else 0)
    first17 = f"{code}{born:%Y%m%d}{sequence:03d}"
    address = f"{prefix}{rng.choice(_STREETS)}{rng.randrange(1, 300)}号{rng.randrange(1, 30)}栋{rng.randrange(1, 9)}单元{rng.randrange(1, 30)}0{rng.randrange(1, 5)}号"  # noqa: E501
    ethnicity = rng.choices(ETHNIC_GROUPS, weights=(90, 5, 1, 1, 1, 1, 1, 0.5, 0.5))[0]
    return IdCardHolder(
        name=name,
        sex="男" if male else "女",
        ethnicity=ethnicity.removesuffix("族"),
        birth=f"{born.year}年{born.month}月{born.day}日",
        address=address,
        id_number=first17 + check_char(first17),
    )


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    for path in FONT_PATHS:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    raise RuntimeError("缺少中文字体：请安装 fonts-wqy-zenhei（scripts/setup-system.sh 会安装）")


def _wrap(text: str, per_line: int) -> list[str]:
    return [text[i : i + per_line] for i in range(0, len(text), per_line)]


def _background(rng: random.Random) -> Image.Image:
    card = Image.new("RGB", (WIDTH, HEIGHT), (236, 240, 238))
    draw = ImageDraw.Draw(card)
    for _ in range(40):  # faint guilloche-like noise, as on a real card
        x, y = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        r = rng.randrange(20, 120)
        draw.ellipse((x - r, y - r, x + r, y + r), outline=(222, 230, 228))
    return card


def _photo(card: Image.Image, portrait: Image.Image | None) -> None:
    box = (560, 70, 800, 370)
    if portrait is None:
        draw = ImageDraw.Draw(card)
        draw.rectangle(box, fill=(214, 222, 226))
        draw.ellipse((620, 120, 740, 250), fill=(170, 178, 184))
        draw.rounded_rectangle((590, 260, 770, 370), radius=40, fill=(170, 178, 184))
        return
    card.paste(portrait.convert("RGB").resize((box[2] - box[0], box[3] - box[1])), box[:2])


def render(holder: IdCardHolder, *, portrait: Image.Image | None = None, seed: int = 0) -> Image.Image:
    """The portrait side of an ID card for `holder` as an RGB image (856 × 540)."""
    rng = random.Random(seed)
    card = _background(rng)
    draw = ImageDraw.Draw(card)
    label, value, number = _font(26), _font(30), _font(34)
    draw.text((60, 60), "姓  名", font=label, fill=_LABEL)
    draw.text((160, 56), holder.name, font=value, fill=_INK)
    draw.text((60, 125), "性  别", font=label, fill=_LABEL)
    draw.text((160, 121), holder.sex, font=value, fill=_INK)
    draw.text((260, 125), "民  族", font=label, fill=_LABEL)
    draw.text((360, 121), holder.ethnicity, font=value, fill=_INK)
    draw.text((60, 190), "出  生", font=label, fill=_LABEL)
    draw.text((160, 186), holder.birth, font=value, fill=_INK)
    draw.text((60, 255), "住  址", font=label, fill=_LABEL)
    for i, line in enumerate(_wrap(holder.address, 12)):
        draw.text((160, 251 + i * 42), line, font=value, fill=_INK)
    draw.text((60, 450), "公民身份号码", font=label, fill=_LABEL)
    draw.text((260, 446), holder.id_number, font=number, fill=_INK)
    _photo(card, portrait)
    return card


def photograph(card: Image.Image, seed: int = 0) -> Image.Image:
    """The card as a phone camera sees it: on a table, slightly rotated, blurred and noisy."""
    rng = random.Random(seed)
    angle = rng.uniform(-2.5, 2.5)
    turned = card.rotate(angle, expand=True, fillcolor=(90, 80, 70), resample=Image.Resampling.BICUBIC)
    scene = Image.new("RGB", (turned.width + 80, turned.height + 80), (90, 80, 70))
    scene.paste(turned, (40 + rng.randrange(-20, 20), 40 + rng.randrange(-20, 20)))
    return scene.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))


def jpeg_bytes(image: Image.Image, quality: int = 88) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def sample(index: int, *, portrait: Image.Image | None = None) -> tuple[IdCardHolder, bytes]:
    """The `index`-th synthetic card (deterministic): its truth and a JPEG photo of it."""
    holder = make_holder(random.Random(f"id-card-{index}"))
    return holder, jpeg_bytes(photograph(render(holder, portrait=portrait, seed=index), seed=index))
