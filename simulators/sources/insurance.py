"""全民参保库 (universal insurance-registration database), database `src_insurance`.

`qmcb_person` holds every resident registered in the city (AAC001 个人编号 is this system's own key),
`qmcb_enrolment` one row per person and 险种 (AAE140) with its state (AAC008), start date (AAC030),
employer (AAB001 单位编号, AAB003 统一社会信用代码, AAB004 单位名称) and 参保地 (AAB301).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulators import clock, strs, wordlists
from simulators.insured import ENROL_STATES, INSURANCE_TYPES, Profile, enrolments
from simulators.rand import stream_rng
from simulators.scales import ANCHOR

DATABASE = "src_insurance"
KEYS = {"qmcb_person": "aac001", "qmcb_enrolment": "aaz159"}
TABLES = ("qmcb_code", "qmcb_person", "qmcb_enrolment")
DDL = """
CREATE TABLE qmcb_code (
  CODETYPE VARCHAR(20) NOT NULL, CODE VARCHAR(10) NOT NULL, CODENAME VARCHAR(50) NOT NULL);
COMMENT ON TABLE qmcb_code IS '代码表';

CREATE TABLE qmcb_person (
  AAC001 VARCHAR(16), AAC002 VARCHAR(18), AAC058 VARCHAR(2), AAC003 VARCHAR(50), AAC004 VARCHAR(1),
  AAC005 VARCHAR(2), AAC006 VARCHAR(8), AAB301 VARCHAR(6), AAE006 VARCHAR(200), AAE007 VARCHAR(6),
  AAE005 VARCHAR(20), AAE036 TIMESTAMP(0));
COMMENT ON TABLE qmcb_person IS '全民参保登记人员基本信息';
COMMENT ON COLUMN qmcb_person.AAC001 IS '个人编号';
COMMENT ON COLUMN qmcb_person.AAC002 IS '社会保障号码';
COMMENT ON COLUMN qmcb_person.AAC058 IS '证件类型';
COMMENT ON COLUMN qmcb_person.AAC003 IS '姓名';
COMMENT ON COLUMN qmcb_person.AAC004 IS '性别（1男 2女）';
COMMENT ON COLUMN qmcb_person.AAC005 IS '民族（GB 3304 代码，见代码表 AAC005）';
COMMENT ON COLUMN qmcb_person.AAC006 IS '出生日期（yyyymmdd）';
COMMENT ON COLUMN qmcb_person.AAB301 IS '参保地（户籍或常住地行政区划代码）';
COMMENT ON COLUMN qmcb_person.AAE006 IS '常住地址';
COMMENT ON COLUMN qmcb_person.AAE007 IS '常住所在地邮政编码';
COMMENT ON COLUMN qmcb_person.AAE005 IS '联系电话';
COMMENT ON COLUMN qmcb_person.AAE036 IS '经办时间（最后变更时间）';

CREATE TABLE qmcb_enrolment (
  AAZ159 VARCHAR(20), AAC001 VARCHAR(16), AAE140 VARCHAR(3), AAC008 VARCHAR(1), AAC030 VARCHAR(8),
  AAB001 VARCHAR(14), AAB003 VARCHAR(18), AAB004 VARCHAR(100), AAB301 VARCHAR(6), AAE036 TIMESTAMP(0));
COMMENT ON TABLE qmcb_enrolment IS '个人参保信息（每人每险种一行）';
COMMENT ON COLUMN qmcb_enrolment.AAZ159 IS '参保关系编号';
COMMENT ON COLUMN qmcb_enrolment.AAC001 IS '个人编号';
COMMENT ON COLUMN qmcb_enrolment.AAE140 IS
  '险种类型（110企业职工养老 120机关事业养老 170城乡居民养老 310职工医疗 390城乡居民医疗 '
  '410工伤 210失业 510生育）';
COMMENT ON COLUMN qmcb_enrolment.AAC008 IS '参保状态（1参保缴费 2暂停缴费 3终止参保 4享受待遇）';
COMMENT ON COLUMN qmcb_enrolment.AAC030 IS '参保日期（yyyymmdd）';
COMMENT ON COLUMN qmcb_enrolment.AAB001 IS '单位编号（社保单位编码）';
COMMENT ON COLUMN qmcb_enrolment.AAB003 IS '统一社会信用代码';
COMMENT ON COLUMN qmcb_enrolment.AAB004 IS '单位名称';
COMMENT ON COLUMN qmcb_enrolment.AAB301 IS '医保/社保参保地行政区划代码';
COMMENT ON COLUMN qmcb_enrolment.AAE036 IS '经办时间（最后变更时间）';
"""
FINISH = """
ALTER TABLE qmcb_code ADD PRIMARY KEY (CODETYPE, CODE);
ALTER TABLE qmcb_person ADD PRIMARY KEY (AAC001);
ALTER TABLE qmcb_enrolment ADD PRIMARY KEY (AAZ159);
CREATE UNIQUE INDEX qmcb_enrolment_person_type ON qmcb_enrolment (AAC001, AAE140);
CREATE INDEX qmcb_person_aac002 ON qmcb_person (AAC002);
CREATE INDEX qmcb_person_aae036 ON qmcb_person (AAE036);
CREATE INDEX qmcb_enrolment_aae036 ON qmcb_enrolment (AAE036);
ANALYZE;
"""
SCHEME_START = {
    "110": "1998-01-01",
    "120": "2014-10-01",
    "170": "2009-10-01",
    "310": "2000-01-01",
    "390": "2008-01-01",
    "410": "2004-01-01",
    "210": "1999-01-01",
    "510": "2005-01-01",
}


def person_numbers(person_id) -> pa.Array:
    """AAC001: 5111 + 10-digit sequence."""
    return strs.join("5111", strs.zpad(np.asarray(person_id), 10))


def code_table() -> pa.Table:
    rows = [("AAE140", c, n) for c, n in INSURANCE_TYPES.items()] + [
        ("AAC008", c, n) for c, n in ENROL_STATES.items()
    ]
    rows += [("AAC005", c, n) for c, n in zip(wordlists.ETHNIC_CODES, wordlists.ETHNIC_GROUPS, strict=True)]
    rows += [("AAC004", "1", "男"), ("AAC004", "2", "女")]
    return pa.table(
        {"codetype": [r[0] for r in rows], "code": [r[1] for r in rows], "codename": [r[2] for r in rows]}
    )


def registered_times(seed: int, residents: pa.Table, stream: str) -> np.ndarray:
    """When each record was last changed (登记/变更): a working-hours time in the past years."""
    rng = stream_rng(seed, stream)
    n = residents.num_rows
    birth = residents["birth_date"].to_numpy().astype("datetime64[D]")
    start = np.maximum(birth, np.datetime64("2016-01-01"))
    span = (np.datetime64(ANCHOR) - start).astype(np.int64)
    day = start + np.floor(rng.random(n) * span).astype("timedelta64[D]")
    return clock.at_hours(day, rng.random(n), 8.5, 17.5)


def person_rows(residents: pa.Table, seed: int) -> pa.Table:
    ethnic = pc.index_in(residents["ethnic"], pa.array(wordlists.ETHNIC_GROUPS)).to_numpy(
        zero_copy_only=False
    )
    return pa.table(
        {
            "aac001": person_numbers(residents["person_id"]),
            "aac002": residents["id_number"],
            "aac058": residents["doc_type"],
            "aac003": residents["name"],
            "aac004": pc.if_else(pc.equal(residents["sex"], "男"), "1", "2"),
            "aac005": strs.take(np.array(wordlists.ETHNIC_CODES), ethnic),
            "aac006": pc.strftime(pc.cast(residents["birth_date"], pa.timestamp("s")), format="%Y%m%d"),
            "aab301": pc.utf8_slice_codeunits(residents["region_code"], 0, 6),
            "aae006": residents["address"],
            "aae007": residents["postcode"],
            "aae005": residents["phone"],
            "aae036": clock.ts_array(registered_times(seed, residents, "insurance:person_time")),
        }
    )


def enrolment_rows(residents: pa.Table, prof: Profile, employers: pa.Table, seed: int) -> pa.Table:
    e = enrolments(prof)
    rng = stream_rng(seed, "insurance:enrolment")
    person = pa.array(e["person"])
    unit_based = np.isin(e["aae140"], ["110", "120", "310", "410", "210", "510"])
    code = residents["employer_code"].take(person)
    has_unit = pc.and_(pa.array(unit_based), code.is_valid()).to_numpy(zero_copy_only=False)
    unit = pc.index_in(code, employers["code"]).fill_null(0).to_numpy(zero_copy_only=False)
    null = pa.scalar(None, pa.string())
    unit_col = lambda col: pc.if_else(pa.array(has_unit), employers[col].take(pa.array(unit)), null)  # noqa: E731
    home = pc.utf8_slice_codeunits(residents["region_code"].take(person), 0, 6)
    return pa.table(
        {
            "aaz159": strs.join("CB", strs.zpad(np.arange(1, len(person) + 1), 12)),
            "aac001": person_numbers(e["person"] + 1),
            "aae140": e["aae140"],
            "aac008": e["aac008"],
            "aac030": _start_dates(rng, residents, e),
            "aab001": unit_col("aab001"),
            "aab003": unit_col("code"),
            "aab004": unit_col("name"),
            "aab301": pc.if_else(pa.array(has_unit), unit_col("county"), home),
            "aae036": clock.ts_array(_enrol_times(rng, e)),
        }
    )


def _start_dates(rng, residents: pa.Table, e: dict) -> pa.Array:
    """AAC030: after the scheme existed and the person was old enough (390 from birth)."""
    birth = residents["birth_date"].to_numpy().astype("datetime64[D]")[e["person"]]
    adult = clock.add_years(birth, 18)
    which = pc.index_in(pa.array(e["aae140"]), pa.array(list(SCHEME_START))).to_numpy(zero_copy_only=False)
    scheme = np.array(list(SCHEME_START.values()), dtype="datetime64[D]")[which]
    start = np.maximum(scheme, np.where(e["aae140"] == "390", birth, adult))
    span = np.maximum((np.datetime64(ANCHOR) - start).astype(np.int64), 1)
    day = start + np.floor(rng.random(len(start)) ** 2 * span * 0.8).astype("timedelta64[D]")
    return pc.strftime(clock.ts_array(day.astype("datetime64[s]")), format="%Y%m%d")


def _enrol_times(rng, e: dict) -> np.ndarray:
    first = np.datetime64(ANCHOR) - np.timedelta64(1060, "D")
    day = first + np.floor(rng.random(len(e["person"])) * 1061).astype("timedelta64[D]")
    return clock.at_hours(day, rng.random(len(day)), 8.5, 17.5)


def tables(residents: pa.Table, prof: Profile, employers: pa.Table, seed: int) -> dict[str, pa.Table]:
    return {
        "qmcb_code": code_table(),
        "qmcb_person": person_rows(residents, seed),
        "qmcb_enrolment": enrolment_rows(residents, prof, employers, seed),
    }
