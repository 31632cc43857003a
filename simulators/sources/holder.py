"""参保人员持卡库 (card-holder database), database `src_holder`.

A city-side system with its own, pinyin-initial naming (XM 姓名, LXDH 联系电话, KZT 卡状态 in words):
`cyk_holder` one row per person who has held a card (with 监护人 for minors), `cyk_card` every card
they held, `cyk_card_status_history` every status change, `cyk_bank_account` the financial account
bound to each card (closed when the card is cancelled).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulators import strs, wordlists
from simulators.cardtables import CardHistory
from yikatong import regions

DATABASE = "src_holder"
KEYS = {
    "cyk_holder": "cyrid",
    "cyk_card": "aaz500",
    "cyk_card_status_history": "lsid",
    "cyk_bank_account": "zhid",
}
TABLES = ("cyk_holder", "cyk_card", "cyk_card_status_history", "cyk_bank_account")
DDL = """
CREATE TABLE cyk_holder (
  CYRID VARCHAR(12), AAC002 VARCHAR(18), ZJLX VARCHAR(2), AAC003 VARCHAR(50), XB VARCHAR(1), CSRQ DATE,
  MZ VARCHAR(10), LXDH VARCHAR(20), TXDZ VARCHAR(200), YZBM VARCHAR(6), XZQH VARCHAR(9),
  JHRZJLX VARCHAR(2), JHRZJHM VARCHAR(18), JHRXM VARCHAR(50), AAE036 TIMESTAMP(0));
COMMENT ON TABLE cyk_holder IS '持卡人信息';
COMMENT ON COLUMN cyk_holder.CYRID IS '持卡人编号';
COMMENT ON COLUMN cyk_holder.AAC002 IS '社会保障号码（身份证号）';
COMMENT ON COLUMN cyk_holder.ZJLX IS '证件类型';
COMMENT ON COLUMN cyk_holder.AAC003 IS '姓名';
COMMENT ON COLUMN cyk_holder.XB IS '性别（男/女）';
COMMENT ON COLUMN cyk_holder.CSRQ IS '出生日期';
COMMENT ON COLUMN cyk_holder.MZ IS '民族';
COMMENT ON COLUMN cyk_holder.LXDH IS '联系电话';
COMMENT ON COLUMN cyk_holder.TXDZ IS '常住地址';
COMMENT ON COLUMN cyk_holder.YZBM IS '常住所在地邮政编码';
COMMENT ON COLUMN cyk_holder.XZQH IS '常住地行政区划代码（乡镇街道）';
COMMENT ON COLUMN cyk_holder.JHRZJLX IS '监护人证件类型';
COMMENT ON COLUMN cyk_holder.JHRZJHM IS '监护人证件号码';
COMMENT ON COLUMN cyk_holder.JHRXM IS '监护人姓名';
COMMENT ON COLUMN cyk_holder.AAE036 IS '经办时间（最后变更时间）';

CREATE TABLE cyk_card (
  AAZ500 VARCHAR(9), AAC002 VARCHAR(18), KZT VARCHAR(10), YHBM VARCHAR(3), YHMC VARCHAR(50),
  YHKH VARCHAR(19), FKRQ DATE, YXQZ DATE, FKD VARCHAR(6), AAE036 TIMESTAMP(0));
COMMENT ON TABLE cyk_card IS '持卡信息（每张卡一行，含历史卡）';
COMMENT ON COLUMN cyk_card.AAZ500 IS '社会保障卡卡号';
COMMENT ON COLUMN cyk_card.AAC002 IS '社会保障号码';
COMMENT ON COLUMN cyk_card.KZT IS '卡状态（正常/临时挂失/正式挂失/注销/待激活）';
COMMENT ON COLUMN cyk_card.YHBM IS '银行编码';
COMMENT ON COLUMN cyk_card.YHMC IS '银行名称';
COMMENT ON COLUMN cyk_card.YHKH IS '银行卡号';
COMMENT ON COLUMN cyk_card.FKRQ IS '发卡日期';
COMMENT ON COLUMN cyk_card.YXQZ IS '证件（卡）有效期至';
COMMENT ON COLUMN cyk_card.FKD IS '发卡地行政区划代码';
COMMENT ON COLUMN cyk_card.AAE036 IS '经办时间（最后变更时间）';

CREATE TABLE cyk_card_status_history (
  LSID BIGINT, AAZ500 VARCHAR(9), YZT VARCHAR(10), XZT VARCHAR(10), BGSJ TIMESTAMP(0), BGYY VARCHAR(50),
  AAE036 TIMESTAMP(0));
COMMENT ON TABLE cyk_card_status_history IS '卡状态变更历史';
COMMENT ON COLUMN cyk_card_status_history.LSID IS '流水号';
COMMENT ON COLUMN cyk_card_status_history.AAZ500 IS '社会保障卡卡号';
COMMENT ON COLUMN cyk_card_status_history.YZT IS '原状态（空为新制卡）';
COMMENT ON COLUMN cyk_card_status_history.XZT IS '新状态';
COMMENT ON COLUMN cyk_card_status_history.BGSJ IS '变更时间';
COMMENT ON COLUMN cyk_card_status_history.BGYY IS '变更原因';
COMMENT ON COLUMN cyk_card_status_history.AAE036 IS '经办时间';

CREATE TABLE cyk_bank_account (
  ZHID VARCHAR(12), AAC002 VARCHAR(18), AAZ500 VARCHAR(9), YHBM VARCHAR(3), YHMC VARCHAR(50),
  KHWD VARCHAR(100), YHKH VARCHAR(19), KHRQ DATE, ZHZT VARCHAR(4), AAE036 TIMESTAMP(0));
COMMENT ON TABLE cyk_bank_account IS '社保卡金融账户';
COMMENT ON COLUMN cyk_bank_account.ZHID IS '账户编号';
COMMENT ON COLUMN cyk_bank_account.AAC002 IS '社会保障号码';
COMMENT ON COLUMN cyk_bank_account.AAZ500 IS '社会保障卡卡号';
COMMENT ON COLUMN cyk_bank_account.YHBM IS '银行编码';
COMMENT ON COLUMN cyk_bank_account.YHMC IS '银行名称';
COMMENT ON COLUMN cyk_bank_account.KHWD IS '银行网点名称（开户网点）';
COMMENT ON COLUMN cyk_bank_account.YHKH IS '银行卡号';
COMMENT ON COLUMN cyk_bank_account.KHRQ IS '开户日期';
COMMENT ON COLUMN cyk_bank_account.ZHZT IS '账户状态（正常/销户）';
COMMENT ON COLUMN cyk_bank_account.AAE036 IS '经办时间（最后变更时间）';
"""
FINISH = """
ALTER TABLE cyk_holder ADD PRIMARY KEY (CYRID);
ALTER TABLE cyk_card ADD PRIMARY KEY (AAZ500);
ALTER TABLE cyk_card_status_history ADD PRIMARY KEY (LSID);
ALTER TABLE cyk_bank_account ADD PRIMARY KEY (ZHID);
CREATE INDEX cyk_holder_aac002 ON cyk_holder (AAC002);
CREATE INDEX cyk_card_aac002 ON cyk_card (AAC002);
CREATE INDEX cyk_card_status_history_aaz500 ON cyk_card_status_history (AAZ500);
CREATE INDEX cyk_holder_aae036 ON cyk_holder (AAE036);
CREATE INDEX cyk_card_aae036 ON cyk_card (AAE036);
CREATE INDEX cyk_card_status_history_aae036 ON cyk_card_status_history (AAE036);
CREATE INDEX cyk_bank_account_aae036 ON cyk_bank_account (AAE036);
ANALYZE;
"""


def township_names(codes) -> pa.Array:
    """Township names without their 街道/镇/乡 suffix, for branch names (市中区 大佛 → 大佛支行)."""
    towns = regions.townships()
    short = np.array([t.name.removesuffix("街道").removesuffix("镇").removesuffix("乡") for t in towns])
    return strs.take(
        short, pc.index_in(codes, pa.array([t.code for t in towns])).to_numpy(zero_copy_only=False)
    )


def holder_ids(person_id) -> pa.Array:
    return strs.join("CY", strs.zpad(np.asarray(person_id), 10))


def holder_rows(residents: pa.Table, cards: pa.Table) -> pa.Table:
    """One row per person who has held a card; AAE036 = when the first card was made."""
    first = cards.group_by("person_id").aggregate([("made_time", "min")]).sort_by("person_id")
    r = residents.take(pc.subtract(first["person_id"], 1))
    return pa.table(
        {
            "cyrid": holder_ids(r["person_id"]),
            "aac002": r["id_number"],
            "zjlx": r["doc_type"],
            "aac003": r["name"],
            "xb": r["sex"],
            "csrq": r["birth_date"],
            "mz": r["ethnic"],
            "lxdh": r["phone"],
            "txdz": r["address"],
            "yzbm": r["postcode"],
            "xzqh": r["region_code"],
            "jhrzjlx": r["guardian_doc_type"],
            "jhrzjhm": r["guardian_id_number"],
            "jhrxm": r["guardian_name"],
            "aae036": first["made_time_min"],
        }
    )


def _bank(cards: pa.Table, index: int) -> pa.Array:
    return strs.take(np.array([b[index] for b in wordlists.BANKS]), cards["bank"].to_numpy())


def card_rows(cards: pa.Table) -> pa.Table:
    return pa.table(
        {
            "aaz500": cards["card_no"],
            "aac002": cards["id_number"],
            "kzt": cards["status"],
            "yhbm": _bank(cards, 0),
            "yhmc": _bank(cards, 1),
            "yhkh": cards["bank_account"],
            "fkrq": cards["issue_date"],
            "yxqz": cards["expiry_date"],
            "fkd": cards["county"],
            "aae036": cards["aae036"],
        }
    )


def history_rows(history: pa.Table, first_id: int = 1) -> pa.Table:
    return pa.table(
        {
            "lsid": pa.array(np.arange(first_id, first_id + history.num_rows, dtype=np.int64)),
            "aaz500": history["card_no"],
            "yzt": history["from_status"],
            "xzt": history["to_status"],
            "bgsj": history["changed_at"],
            "bgyy": history["reason"],
            "aae036": history["changed_at"],
        }
    )


def account_rows(cards: pa.Table) -> pa.Table:
    """The account opened with each card (开户 at BANKTIME's day ≈ made day), closed with the card."""
    closed = pc.equal(cards["status"], "注销")
    bank_name = _bank(cards, 1)
    outlet = strs.join(
        bank_name, "乐山", township_names(pc.utf8_slice_codeunits(cards["outlet_code"], 0, 9)), "支行"
    )
    opened = pc.cast(cards["made_time"], pa.date32())
    return pa.table(
        {
            "zhid": strs.join("ZH", pc.utf8_slice_codeunits(cards["card_no"], 1, 9)),
            "aac002": cards["id_number"],
            "aaz500": cards["card_no"],
            "yhbm": _bank(cards, 0),
            "yhmc": bank_name,
            "khwd": outlet,
            "yhkh": cards["bank_account"],
            "khrq": opened,
            "zhzt": pc.if_else(closed, "销户", "正常"),
            "aae036": pc.if_else(closed, cards["aae036"], cards["made_time"]),
        }
    )


def tables(residents: pa.Table, history: CardHistory) -> dict[str, pa.Table]:
    return {
        "cyk_holder": holder_rows(residents, history.cards),
        "cyk_card": card_rows(history.cards),
        "cyk_card_status_history": history_rows(history.status_history),
        "cyk_bank_account": account_rows(history.cards),
    }
