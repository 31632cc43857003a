"""The business scenarios (业务场景) behind card-use messages, and the channels that carry them.

A message from a business system names its scenario (`scene_code`), never its trajectory kind:
the platform derives the kind (seed 5.3: 身份凭证类 / 身份校验类 / 非医保消费类 / 待遇发放类 /
信息查询类) through this table, exactly as it would through a code table agreed with each
system. Tests check the stream against `SCENARIOS`; later pipeline code can import it as the
reference mapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

KINDS = ("身份凭证类", "身份校验类", "非医保消费类", "待遇发放类", "信息查询类")

# 渠道代码 → 渠道名称. Online channels log the holder's home township as the place.
CHANNELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "GM": "柜面",
        "ZZJ": "自助机",
        "WX": "微信",
        "TFTB": "天府通办",
        "ZLS": "智乐山",
        "YH": "银行网点",
        "YY": "医院",
        "YD": "药店",
        "JQ": "景区闸机",
        "GJ": "公交",
        "TSG": "图书馆",
        "KC": "考场",
        "POS": "商户POS",
    }
)
ONLINE_CHANNELS = ("WX", "TFTB", "ZLS")

# Share of failed attempts per channel: kiosks and exam gates fail most (card reader, face match).
FAILURE_RATE: MappingProxyType[str, float] = MappingProxyType(
    {"GM": 0.005, "ZZJ": 0.03, "WX": 0.02, "TFTB": 0.02, "ZLS": 0.02, "YH": 0.008, "YY": 0.01,
     "YD": 0.01, "JQ": 0.015, "GJ": 0.006, "TSG": 0.01, "KC": 0.02, "POS": 0.012}
)  # fmt: skip

# Who uses what: activity groups by age at the anchor date.
GROUPS = ("儿童", "学生", "在职年龄", "老年")  # <12, 12-22, 23-59, 60+
GROUP_BOUNDS = (12, 23, 60)


@dataclass(frozen=True, slots=True)
class Amount:
    """Amount distribution of a scenario: log-normal around `median`, clipped, rounded to `step`."""

    median: float
    sigma: float
    low: float
    high: float
    step: float = 0.01


@dataclass(frozen=True, slots=True)
class Scenario:
    """One 业务场景: what happened, its trajectory kind, where it can arrive from, who does it."""

    code: str
    name: str
    kind: str
    channels: tuple[tuple[str, float], ...]  # (channel code, weight)
    weights: tuple[float, float, float, float]  # per GROUPS: relative frequency for random use
    profile: str  # hour-of-day profile (HOUR_PROFILES)
    amount: Amount | None = None
    merchant: str = "none"  # "venue" = the place's name, "none" = null, anything else = fixed text
    weekend: float = 1.0  # multiplier on Saturdays and Sundays
    scheduled: bool = False  # paid on a calendar (monthly), never drawn at random

    @property
    def channel_codes(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.channels)


_ONLINE = (("WX", 5.0), ("TFTB", 2.0), ("ZLS", 2.0))
_ONLINE_KIOSK = (*_ONLINE, ("ZZJ", 1.5))
_PAYER = "乐山市社会保险事务中心"

_TABLE = (
    # 身份凭证类: the card proves who you are
    Scenario("JQRY", "景区实名入园", "身份凭证类", (("JQ", 1.0),), (2.0, 3.0, 3.0, 2.5), "leisure",
             merchant="venue", weekend=2.4),
    Scenario("TSJY", "图书馆借阅", "身份凭证类", (("TSG", 1.0),), (5.0, 6.0, 1.2, 0.8), "leisure",
             merchant="venue", weekend=1.6),
    Scenario("TSRG", "图书馆实名入馆", "身份凭证类", (("TSG", 1.0),), (3.0, 4.0, 1.0, 0.8), "leisure",
             merchant="venue", weekend=1.6),
    Scenario("LNCC", "老年人免费乘车", "身份凭证类", (("GJ", 1.0),), (0.0, 0.0, 0.0, 6.0), "transit",
             merchant="venue", weekend=0.8),
    Scenario("YYGH", "医院挂号实名", "身份凭证类", (("YY", 4.0), ("ZZJ", 1.0)), (2.0, 1.5, 3.0, 7.0),
             "office", merchant="venue", weekend=0.5),
    Scenario("DZLM", "电子社保卡亮码", "身份凭证类", _ONLINE, (0.0, 3.0, 6.0, 1.5), "online"),
    # 身份校验类: someone checks that the card and the person match
    Scenario("KSHY", "考试身份核验", "身份校验类", (("KC", 1.0),), (0.0, 2.0, 0.4, 0.0), "exam",
             merchant="venue", weekend=4.0),
    Scenario("GMHY", "柜面业务身份核验", "身份校验类", (("GM", 1.0),), (0.2, 0.8, 3.0, 4.0), "office",
             merchant="venue", weekend=0.15),
    Scenario("ZZHY", "自助机人证核验", "身份校验类", (("ZZJ", 1.0),), (0.0, 0.8, 3.0, 2.5), "office",
             weekend=0.6),
    Scenario("XSRZ", "线上实名认证", "身份校验类", _ONLINE, (0.0, 2.0, 5.0, 1.2), "online"),
    Scenario("YDSM", "药店实名购药核验", "身份校验类", (("YD", 1.0),), (0.1, 0.4, 2.0, 4.0), "retail",
             merchant="venue"),
    # 非医保消费类: the card's financial account pays for something outside medical insurance
    Scenario("GJCC", "公交乘车", "非医保消费类", (("GJ", 1.0),), (4.0, 9.0, 7.0, 0.8), "transit",
             Amount(1.5, 0.25, 1.0, 2.0, 1.0), merchant="venue", weekend=0.7),
    Scenario("JQGP", "景区购票", "非医保消费类", (("JQ", 1.0),), (0.0, 1.0, 2.0, 1.0), "leisure",
             Amount(80.0, 0.6, 10.0, 320.0, 1.0), merchant="venue", weekend=2.4),
    Scenario("CSXF", "超市消费", "非医保消费类", (("POS", 1.0),), (0.0, 2.5, 8.0, 4.0), "retail",
             Amount(45.0, 0.9, 1.0, 2000.0), merchant="venue", weekend=1.3),
    Scenario("YDGY", "药店自费购药", "非医保消费类", (("YD", 1.0),), (0.2, 0.4, 2.0, 4.0), "retail",
             Amount(35.0, 0.8, 2.0, 1500.0), merchant="venue"),
    Scenario("YYZF", "医院自费缴费", "非医保消费类", (("YY", 1.0),), (0.4, 0.4, 1.5, 3.0), "office",
             Amount(120.0, 1.0, 5.0, 20000.0), merchant="venue", weekend=0.5),
    Scenario("YHQK", "银行取款", "非医保消费类", (("YH", 1.0),), (0.0, 0.2, 2.0, 5.0), "office",
             Amount(600.0, 0.8, 100.0, 20000.0, 100.0), merchant="venue", weekend=0.6),
    Scenario("SHJF", "生活缴费", "非医保消费类", (("WX", 3.0), ("ZLS", 1.0)), (0.0, 0.0, 1.5, 1.0), "online",
             Amount(120.0, 0.7, 10.0, 3000.0), merchant="乐山市公共事业缴费平台"),
    # 待遇发放类: a benefit is paid to the card's financial account
    Scenario("YLFF", "养老金发放到卡", "待遇发放类", (("YH", 1.0),), (0.0, 0.0, 0.0, 0.0), "batch",
             Amount(2600.0, 0.3, 100.0, 12000.0), merchant=_PAYER, scheduled=True),
    Scenario("GLJT", "高龄津贴发放", "待遇发放类", (("YH", 1.0),), (0.0, 0.0, 0.0, 0.0), "batch",
             Amount(100.0, 0.0, 100.0, 500.0), merchant="乐山市民政局", scheduled=True),
    Scenario("SYFF", "失业保险金发放", "待遇发放类", (("YH", 1.0),), (0.0, 0.05, 0.4, 0.0), "batch",
             Amount(1750.0, 0.1, 1400.0, 2200.0), merchant=_PAYER, weekend=0.0),
    Scenario("HMBT", "惠民惠农补贴发放", "待遇发放类", (("YH", 1.0),), (0.0, 0.0, 0.8, 1.0), "batch",
             Amount(300.0, 0.6, 20.0, 5000.0), merchant="乐山市财政局", weekend=0.0),
    Scenario("JYBT", "就业创业补贴发放", "待遇发放类", (("YH", 1.0),), (0.0, 0.05, 0.2, 0.0), "batch",
             Amount(1000.0, 0.5, 200.0, 10000.0), merchant="乐山市就业服务管理局", weekend=0.0),
    # 信息查询类: the holder looks something up
    Scenario("SBCX", "社保参保缴费查询", "信息查询类", _ONLINE_KIOSK, (0.0, 1.5, 8.0, 3.0), "online"),
    Scenario("DYCX", "待遇发放查询", "信息查询类", _ONLINE_KIOSK, (0.0, 0.0, 1.0, 5.0), "online"),
    Scenario("ZKJD", "制卡进度查询", "信息查询类", _ONLINE, (0.0, 1.0, 1.5, 0.5), "online"),
    Scenario("QYDY", "个人权益记录打印", "信息查询类", (("ZZJ", 3.0), ("GM", 1.0)), (0.0, 0.2, 1.5, 1.5),
             "office", weekend=0.4),
)  # fmt: skip

SCENARIOS: MappingProxyType[str, Scenario] = MappingProxyType({s.code: s for s in _TABLE})

# Relative activity per Beijing hour 08..23 (the simulated day runs 08:00-23:59 Beijing time,
# i.e. 00:00-15:59 UTC, so a message's UTC date and its Beijing business date agree).
FIRST_HOUR_BEIJING = 8
HOUR_PROFILES: MappingProxyType[str, tuple[float, ...]] = MappingProxyType(
    {
        "office": (0.3, 1.0, 1.0, 0.9, 0.3, 0.4, 0.9, 1.0, 0.8, 0.3, 0.03, 0.02, 0.02, 0.01, 0.01, 0.01),
        "transit": (1.0, 0.6, 0.4, 0.5, 0.6, 0.4, 0.4, 0.5, 0.6, 1.0, 0.9, 0.5, 0.3, 0.15, 0.05, 0.01),
        "leisure": (0.3, 0.9, 1.0, 0.9, 0.6, 0.7, 0.9, 0.8, 0.6, 0.3, 0.1, 0.05, 0.03, 0.01, 0.01, 0.01),
        "online": (0.5, 0.8, 0.9, 0.8, 0.7, 0.6, 0.7, 0.7, 0.7, 0.6, 0.6, 0.8, 1.0, 0.9, 0.6, 0.3),
        "retail": (0.3, 0.5, 0.8, 0.9, 0.7, 0.6, 0.6, 0.6, 0.7, 0.9, 1.0, 1.0, 0.8, 0.5, 0.2, 0.05),
        "batch": (
            1.0,
            0.6,
            0.2,
            0.05,
            0.02,
            0.02,
            0.02,
            0.02,
            0.02,
            0.01,
            0.01,
            0.01,
            0.01,
            0.01,
            0.01,
            0.01,
        ),
        "exam": (1.0, 0.3, 0.05, 0.02, 0.05, 0.3, 0.9, 0.2, 0.05, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01),
    }
)


def kind_of(scene_code: str) -> str:
    """The trajectory kind (轨迹类别) of a scenario code; KeyError in Chinese when unknown."""
    try:
        return SCENARIOS[scene_code].kind
    except KeyError:
        raise KeyError(f"未知业务场景代码 {scene_code}") from None
