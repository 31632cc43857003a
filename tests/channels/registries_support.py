"""The holder database (持卡库) and the insurance database (全民参保库) for the channel tests: the
simulators' own DDL in databases of their own, with the people the tests log in as."""

from __future__ import annotations

import random

from services.channels import registries
from simulators.id_card_images import make_holder
from simulators.sources import holder, insurance, loader
from tests.services.cards_support import person
from yikatong import db
from yikatong.ids import check_char

HOLDER_DB, INSURANCE_DB = "src_holder_chantest", "src_insurance_chantest"
NOT_REGISTERED = person(901)  # in neither database
TERMINATED = person(902)  # registered, every enrolment ended
HK_PASS, TW_PASS = "H12345678", "87654321"  # 港澳居民来往内地通行证, 台湾居民来往大陆通行证
RESIDENCE = "810000199001010016"[:17]  # 港澳台居民居住证 (香港), check character added below
FOREIGN = "93184019850315001"  # 外国人永久居留身份证: 9, 31 (上海), 840 (美国), birth, sequence


def _gb(first17: str) -> str:
    return first17 + check_char(first17)


RESIDENCE, FOREIGN = _gb(RESIDENCE), _gb(FOREIGN)


def _people() -> list[str]:
    """Everyone the channel tests log in as: test persons, the sample ID cards' holders, 张三."""
    numbers = [person(n) for n in range(1, 900)] + [person(n, "511181") for n in range(1, 300)]
    numbers += [make_holder(random.Random(f"id-card-{i}")).id_number for i in range(0, 300)]
    minors = [person(301, born="20150601")]
    return [*numbers, *minors, "11010519491231002X", HK_PASS, TW_PASS, RESIDENCE, FOREIGN]


def load() -> None:
    """Create both databases (simulators' DDL) and enrol the test people; point the lookups at them."""
    db.ensure_databases((HOLDER_DB, INSURANCE_DB))
    for name, ddl, tables, finish in (
        (HOLDER_DB, holder.DDL, holder.TABLES, holder.FINISH),
        (INSURANCE_DB, insurance.DDL, insurance.TABLES, insurance.FINISH),
    ):
        loader.load_database(name, ddl, tables, {}, finish)
    people = _people()
    with loader.connect(INSURANCE_DB) as conn, conn.cursor() as cur:
        cur.executemany(
            "insert into qmcb_person (aac001, aac002, aac003, aab301, aae006, aae007, aae005, aae036)"
            " values (%s, %s, '测试', '511102', '四川省乐山市市中区嘉定北路8号', '614000',"
            " '13800138000', now())",
            [(f"P{i:09d}", n) for i, n in enumerate(people)],
        )
        cur.executemany(
            "insert into qmcb_enrolment (aaz159, aac001, aae140, aac008, aac030, aab301, aae036)"
            " values (%s, %s, '390', '1', '20200101', '511102', now())",
            [(f"E{i:09d}", f"P{i:09d}") for i in range(len(people))],
        )
        cur.execute(
            "insert into qmcb_person (aac001, aac002, aac003, aab301, aae036)"
            " values ('P900000902', %s, '终止', '511102', now())",
            (TERMINATED,),
        )
        cur.execute(
            "insert into qmcb_enrolment (aaz159, aac001, aae140, aac008, aac030, aab301, aae036)"
            " values ('E900000902', 'P900000902', '170', '3', '20100101', '511102', now())"
        )
    with loader.connect(HOLDER_DB) as conn:
        conn.execute(
            "insert into cyk_holder (cyrid, aac002, aac003, lxdh, txdz, yzbm, aae036)"
            " values ('H00000000101', %s, '王小明', '13912345678', '四川省乐山市市中区张公桥1号',"
            " '614000', now())",
            (person(101),),
        )
        conn.execute(
            "insert into cyk_card (aaz500, aac002, kzt, yhmc, fkrq, yxqz, aae036)"
            " values ('T00000101', %s, '正常', '中国农业银行', '2020-01-01', '2030-01-01', now())",
            (person(101),),
        )
    settings = registries.sources()
    settings.holder_database, settings.insurance_database = HOLDER_DB, INSURANCE_DB
