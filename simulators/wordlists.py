"""Word lists sampled with numpy: faker zh_CN's providers, read once, plus a few local lists.

Faker is used only as a source of realistic vocabulary (surnames with their frequencies, given-name
characters, company words, street and city names); every row is drawn by numpy, never by a faker
call per row.
"""

from __future__ import annotations

import functools

import numpy as np
from faker.providers.address.zh_CN import Provider as _Address
from faker.providers.company.zh_CN import Provider as _Company
from faker.providers.person.zh_CN import Provider as _Person
from faker.providers.phone_number.zh_CN import Provider as _Phone
from faker.providers.ssn.zh_CN import Provider as _Ssn

# 彝族 family names common in 峨边/马边 (小凉山) and given names in their Chinese transcription.
YI_SURNAMES = (
    "阿苏",
    "吉克",
    "沙马",
    "海来",
    "吉伍",
    "曲比",
    "俄木",
    "勒格",
    "马海",
    "阿侯",
    "日火",
    "阿于",
    "木呷",
    "金古",
)
YI_GIVEN = (
    "拉则",
    "木呷",
    "阿依",
    "尔古",
    "子哈",
    "曲布",
    "伍各",
    "阿呷",
    "拉洛",
    "石哈",
    "莫色",
    "日哈",
    "阿牛",
    "尔布",
)
VILLAGE_WORDS = (
    "新民",
    "红星",
    "和平",
    "光明",
    "团结",
    "胜利",
    "东风",
    "石桥",
    "高桥",
    "双河",
    "龙泉",
    "新华",
    "金星",
    "黄桷",
    "青龙",
    "白果",
    "马鞍",
    "红岩",
    "三合",
    "永兴",
    "桂花",
    "太平",
    "柏林",
    "茶园",
)
ROAD_SUFFIXES = ("路", "街", "大道", "巷")
COMPANY_TRADES = (
    "建材有限公司",
    "食品有限公司",
    "茶业有限公司",
    "化工有限公司",
    "旅游开发有限公司",
    "商贸有限公司",
    "建筑工程有限公司",
    "物流有限公司",
    "农业开发有限公司",
    "机械制造有限公司",
    "医药连锁有限公司",
    "酒店管理有限公司",
    "科技有限公司",
    "信息有限公司",
)
PUBLIC_BODIES = (
    "人民政府",
    "教育局",
    "卫生健康局",
    "人力资源和社会保障局",
    "财政局",
    "公安局",
    "自然资源局",
    "住房和城乡建设局",
    "人民医院",
    "中医医院",
    "妇幼保健院",
    "第一中学",
    "第二中学",
    "实验小学",
    "疾病预防控制中心",
    "税务局",
)

# 民族 with GB 3304 codes, in the order used by the population generator.
ETHNIC_GROUPS = ("汉族", "彝族", "回族", "藏族", "苗族", "土家族", "羌族", "满族", "蒙古族")
ETHNIC_CODES = ("01", "07", "03", "04", "06", "15", "33", "11", "02")

# 服务银行 (AAE008, 人民银行机构代码 of the head office) with a social-security-card BIN each.
BANKS = (
    ("103", "中国农业银行", "622848"),
    ("102", "中国工商银行", "622202"),
    ("105", "中国建设银行", "621700"),
    ("104", "中国银行", "621661"),
    ("313", "乐山市商业银行", "623165"),
    ("402", "四川农信", "621457"),
)
BANK_WEIGHTS = (0.27, 0.2, 0.17, 0.1, 0.11, 0.15)
# Ordinary debit-card BINs for accounts that are not the social security card.
OTHER_BINS = ("622588", "621483", "622609", "622262", "621226", "622700")


@functools.cache
def surnames() -> tuple[np.ndarray, np.ndarray]:
    """Han surnames and their probabilities (faker's frequency table)."""
    names = np.array(list(_Person.last_names.keys()))
    weights = np.array(list(_Person.last_names.values()), dtype=float)
    return names, weights / weights.sum()


@functools.cache
def given_chars(male: bool) -> np.ndarray:
    """Characters used in given names, split from faker's given names for one sex."""
    source = _Person.first_names_male if male else _Person.first_names_female
    return np.array(sorted({ch for name in source for ch in name}))


@functools.cache
def given_names(male: bool) -> np.ndarray:
    return np.array(_Person.first_names_male if male else _Person.first_names_female)


@functools.cache
def street_stems() -> np.ndarray:
    """Street name stems: Chinese city names and common surnames (as in faker's street formats)."""
    cities = [c for c in _Address.cities if len(c) <= 3]
    return np.array(sorted(set(cities) | set(list(_Person.last_names)[:60])))


@functools.cache
def company_prefixes() -> np.ndarray:
    return np.array([p for p in _Company.company_prefixes if len(p) <= 4])


@functools.cache
def company_suffixes() -> np.ndarray:
    return np.array(sorted(set(_Company.company_suffixes) | set(COMPANY_TRADES)))


@functools.cache
def mobile_prefixes() -> np.ndarray:
    return np.array([str(p) for p in _Phone.phonenumber_prefixes])


@functools.cache
def other_province_counties() -> np.ndarray:
    """Real county-level address codes outside 四川 (GB/T 2260, faker's table) for migrants' IDs."""
    codes = [
        c for c in _Ssn.area_codes if not c.startswith(("51", "71", "81", "82")) and c[4:] not in ("00", "01")
    ]
    return np.array(sorted(codes))
