"""Places where the card is used that other departments own: 景区, 图书馆, 银行网点, 考点, 商超.

One module so the exchange drop (`simulators.exchange`, the departments' directories) and the
event stream (`simulators.events`, where the card was used) name the same places with the same
codes: a later join of trajectories to the directories must find every place it meets.

The scenic spots and libraries are real places of 乐山市; the township code of each spot is the
township that holds it (approximate where a spot spans several). Telephone numbers are fictitious
(a fixed `0833-21000nn` pattern), so no generated directory points at a real line.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulators import wordlists
from yikatong import regions


def _phone(n: int) -> str:
    return f"0833-21000{n:02d}"


@dataclass(frozen=True, slots=True)
class ScenicSpot:
    """A 景区 that admits visitors by social-security card (实名入园, seed 3.2.1)."""

    code: str
    name: str
    township: str  # 9-digit township code
    address: str
    phone: str
    weight: float  # share of the city's visits; the two 5A sites dominate
    price: float  # 门票 (yuan), 0 for free sites

    @property
    def county(self) -> str:
        return self.township[:6]


SCENIC_SPOTS: tuple[ScenicSpot, ...] = (
    ScenicSpot(
        "JQ0001", "乐山大佛景区", "511102004", "四川省乐山市市中区凌云路2435号", _phone(1), 30.0, 80.0
    ),
    ScenicSpot("JQ0002", "峨眉山景区", "511181112", "四川省乐山市峨眉山市名山南路", _phone(2), 30.0, 160.0),
    ScenicSpot("JQ0003", "东方佛都景区", "511102004", "四川省乐山市市中区凌云路", _phone(3), 6.0, 70.0),
    ScenicSpot("JQ0004", "嘉阳小火车景区", "511123102", "四川省乐山市犍为县石溪镇", _phone(4), 5.0, 80.0),
    ScenicSpot("JQ0005", "桫椤湖景区", "511123107", "四川省乐山市犍为县龙孔镇", _phone(5), 3.0, 40.0),
    ScenicSpot("JQ0006", "犍为文庙", "511123100", "四川省乐山市犍为县玉津镇", _phone(6), 2.0, 0.0),
    ScenicSpot("JQ0007", "罗城古镇", "511123105", "四川省乐山市犍为县罗城镇", _phone(7), 3.0, 0.0),
    ScenicSpot(
        "JQ0008", "黑竹沟景区", "511132105", "四川省乐山市峨边彝族自治县黑竹沟镇", _phone(8), 3.0, 90.0
    ),
    ScenicSpot("JQ0009", "沐川竹海景区", "511129101", "四川省乐山市沐川县永福镇", _phone(9), 3.0, 30.0),
    ScenicSpot(
        "JQ0010", "大渡河金口大峡谷", "511113100", "四川省乐山市金口河区永和镇", _phone(10), 3.0, 60.0
    ),
    ScenicSpot("JQ0011", "郭沫若故居", "511111100", "四川省乐山市沙湾区沙湾镇", _phone(11), 4.0, 0.0),
    ScenicSpot("JQ0012", "夹江千佛岩", "511126002", "四川省乐山市夹江县漹城街道", _phone(12), 2.0, 20.0),
    ScenicSpot("JQ0013", "西坝古镇", "511112107", "四川省乐山市五通桥区西坝镇", _phone(13), 2.0, 0.0),
    ScenicSpot(
        "JQ0014", "马边大风顶", "511133100", "四川省乐山市马边彝族自治县民建镇", _phone(14), 1.0, 40.0
    ),
)


@dataclass(frozen=True, slots=True)
class Library:
    """A public library (公共图书馆) that lends on the social-security card."""

    code: str
    name: str
    township: str
    address: str
    phone: str

    @property
    def county(self) -> str:
        return self.township[:6]


def _county_library(county: str, index: int) -> Library:
    town = regions.townships(county)[0]
    cname = regions.name(county)
    return Library(
        f"TSG{index:04d}",
        f"{cname}图书馆",
        town.code,
        f"四川省乐山市{cname}{town.name}文化路{10 + index}号",
        _phone(50 + index),
    )


LIBRARIES: tuple[Library, ...] = (
    Library("TSG0000", "乐山市图书馆", "511102008", "四川省乐山市市中区海棠街道嘉州大道", _phone(15)),
    *(_county_library(c, i) for i, c in enumerate(regions.COUNTIES, start=1)),
)

# 金融机构类别编码 (人民银行机构代码 of the head office; the first three digits of a 12-digit 支付系统行号),
# shared with the population generator's 服务银行 (AAE008) so outlets and card accounts agree.
BANK_CODES: dict[str, str] = {name: code for code, name, _bin in wordlists.BANKS}


@dataclass(frozen=True, slots=True)
class BankOutlet:
    """A bank outlet (银行网点) that serves the card's financial account."""

    code: str  # 12-digit outlet code (yikatong.regions)
    name: str
    bank: str
    bank_code: str
    township: str

    @property
    def county(self) -> str:
        return self.township[:6]


def bank_outlets() -> list[BankOutlet]:
    """The outlets of `yikatong.regions` that belong to a bank (名称含 银行 / 农信)."""
    found = []
    for outlet in regions.outlets():
        if "银行" not in outlet.name and "农信" not in outlet.name:
            continue
        bank = next(b for b in BANK_CODES if outlet.name.startswith(b))
        found.append(BankOutlet(outlet.code, outlet.name, bank, BANK_CODES[bank], outlet.parent or ""))
    return found


# Exam sites (考点) that check candidates' identity by card (seed 3.2.3); real schools of the city.
EXAM_SITES: tuple[tuple[str, str], ...] = (
    ("乐山师范学院考点", "511102006"),
    ("乐山职业技术学院考点", "511102009"),
    ("西南交通大学峨眉校区考点", "511181001"),
    ("乐山第一中学考点", "511102008"),
    ("乐山外国语学校考点", "511102010"),
    ("峨眉第二中学考点", "511181002"),
    ("犍为第一中学考点", "511123100"),
    ("井研中学考点", "511124001"),
    ("夹江中学考点", "511126001"),
    ("沐川中学考点", "511129100"),
    ("沙湾第一中学考点", "511111002"),
    ("五通桥中学考点", "511112100"),
    ("金口河中学考点", "511113100"),
    ("峨边中学考点", "511132100"),
    ("马边中学考点", "511133100"),
)

# Supermarket chains present in 乐山 (舞东风 is local, 红旗连锁 Sichuan-wide).
RETAIL_CHAINS: tuple[str, ...] = ("舞东风超市", "红旗连锁", "永辉超市")
