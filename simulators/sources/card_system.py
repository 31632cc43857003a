"""省卡管系统 (provincial card-management system), database `src_card_system`.

Native shape: upper-case field codes of the national social-security data dictionary (AAZ500 卡号,
AAC002 社会保障号码, …), dates of issue as `yyyymmdd` text, codes resolved through `kgl_code`.
PostgreSQL folds the unquoted upper-case names to lower case; query them unquoted. Every table has
AAE036 (经办时间, the time of the row's last change), the watermark for incremental extraction.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulators import cardplan, strs, wordlists
from simulators.cardtables import CardHistory

DATABASE = "src_card_system"
STATUS_CODES = {"待激活": "0", "正常": "1", "正式挂失": "2", "临时挂失": "4", "注销": "9"}
KEYS = {"kgl_card": "aaz500", "kgl_apply": "sqid", "kgl_batch": "batchno", "kgl_writeback": "hpid"}

DDL = """
CREATE TABLE kgl_code (
  CODETYPE VARCHAR(20) NOT NULL, CODE VARCHAR(10) NOT NULL, CODENAME VARCHAR(50) NOT NULL);
COMMENT ON TABLE kgl_code IS '代码表';
COMMENT ON COLUMN kgl_code.CODETYPE IS '代码类别（字段名）';
COMMENT ON COLUMN kgl_code.CODE IS '代码值';
COMMENT ON COLUMN kgl_code.CODENAME IS '代码名称';

CREATE TABLE kgl_card (
  AAZ500 VARCHAR(9), AAC002 VARCHAR(18), AAC058 VARCHAR(2), AAC003 VARCHAR(50), AAC004 VARCHAR(1),
  AAB301 VARCHAR(6), AAZ502 VARCHAR(1), FKRQ VARCHAR(8), YXQZ VARCHAR(8), AAE008 VARCHAR(3),
  AAE010 VARCHAR(19), CHIPNO VARCHAR(32), CARDGEN VARCHAR(1), SQID VARCHAR(16), AAE036 TIMESTAMP(0));
COMMENT ON TABLE kgl_card IS '社会保障卡卡信息（卡主表）';
COMMENT ON COLUMN kgl_card.AAZ500 IS '社会保障卡卡号';
COMMENT ON COLUMN kgl_card.AAC002 IS '社会保障号码';
COMMENT ON COLUMN kgl_card.AAC058 IS
  '证件类型（01居民身份证 03港澳居民来往内地通行证 06外国人永久居留身份证 07台湾居民来往大陆通行证）';
COMMENT ON COLUMN kgl_card.AAC003 IS '姓名';
COMMENT ON COLUMN kgl_card.AAC004 IS '性别（1男 2女）';
COMMENT ON COLUMN kgl_card.AAB301 IS '发卡地行政区划代码';
COMMENT ON COLUMN kgl_card.AAZ502 IS '卡状态（见代码表 AAZ502）';
COMMENT ON COLUMN kgl_card.FKRQ IS '发卡日期（yyyymmdd）';
COMMENT ON COLUMN kgl_card.YXQZ IS '卡有效期至（yyyymmdd）';
COMMENT ON COLUMN kgl_card.AAE008 IS '服务银行（见代码表 AAE008）';
COMMENT ON COLUMN kgl_card.AAE010 IS '银行卡号（金融账户）';
COMMENT ON COLUMN kgl_card.CHIPNO IS '芯片序列号';
COMMENT ON COLUMN kgl_card.CARDGEN IS '卡代（2二代卡 3三代卡）';
COMMENT ON COLUMN kgl_card.SQID IS '申领编号';
COMMENT ON COLUMN kgl_card.AAE036 IS '经办时间（最后变更时间，增量抽取水位）';

CREATE TABLE kgl_apply (
  SQID VARCHAR(16), AAC002 VARCHAR(18), AAC058 VARCHAR(2), AAC003 VARCHAR(50), AAB301 VARCHAR(6),
  YWLX VARCHAR(1), SQQD VARCHAR(2), APPLYTIME TIMESTAMP(0), SHZT VARCHAR(1), SHSJ TIMESTAMP(0),
  SHYJ VARCHAR(100), AAE008 VARCHAR(3), BANKTIME TIMESTAMP(0), PROVINCETIME TIMESTAMP(0),
  BATCHNO VARCHAR(16), ZXWZ VARCHAR(20), AAZ500 VARCHAR(9), CITYTIME TIMESTAMP(0),
  CITYSENDTIME TIMESTAMP(0), LKWDBM VARCHAR(12), CITYSENDADDR VARCHAR(100), GETTIME TIMESTAMP(0),
  AAE036 TIMESTAMP(0));
COMMENT ON TABLE kgl_apply IS '社会保障卡申领（制卡进度）';
COMMENT ON COLUMN kgl_apply.SQID IS '申领编号';
COMMENT ON COLUMN kgl_apply.AAC002 IS '社会保障号码';
COMMENT ON COLUMN kgl_apply.AAC058 IS '证件类型';
COMMENT ON COLUMN kgl_apply.AAC003 IS '姓名';
COMMENT ON COLUMN kgl_apply.AAB301 IS '人员申请制卡地（行政区划代码）';
COMMENT ON COLUMN kgl_apply.YWLX IS '业务类型（1申领 2补卡 3换卡）';
COMMENT ON COLUMN kgl_apply.SQQD IS '申请渠道（见代码表 SQQD）';
COMMENT ON COLUMN kgl_apply.APPLYTIME IS '申请时间';
COMMENT ON COLUMN kgl_apply.SHZT IS '审核状态（0待审核 1审核通过 2审核不通过）';
COMMENT ON COLUMN kgl_apply.SHSJ IS '审核时间';
COMMENT ON COLUMN kgl_apply.SHYJ IS '审核意见（不通过原因）';
COMMENT ON COLUMN kgl_apply.AAE008 IS '服务银行';
COMMENT ON COLUMN kgl_apply.BANKTIME IS '银行开户时间';
COMMENT ON COLUMN kgl_apply.PROVINCETIME IS '省级制卡时间';
COMMENT ON COLUMN kgl_apply.BATCHNO IS '制卡批次号';
COMMENT ON COLUMN kgl_apply.ZXWZ IS '装箱位置（箱-盒-排-位）';
COMMENT ON COLUMN kgl_apply.AAZ500 IS '所制社会保障卡卡号';
COMMENT ON COLUMN kgl_apply.CITYTIME IS '市级接收时间';
COMMENT ON COLUMN kgl_apply.CITYSENDTIME IS '发往网点时间';
COMMENT ON COLUMN kgl_apply.LKWDBM IS '领卡网点编码';
COMMENT ON COLUMN kgl_apply.CITYSENDADDR IS '发往网点（领卡地址）';
COMMENT ON COLUMN kgl_apply.GETTIME IS '领卡时间';
COMMENT ON COLUMN kgl_apply.AAE036 IS '经办时间（最后变更时间）';

CREATE TABLE kgl_batch (
  BATCHNO VARCHAR(16), AAE008 VARCHAR(3), ZKSL INTEGER, ZKSJ TIMESTAMP(0), JSSJ TIMESTAMP(0),
  AAE036 TIMESTAMP(0));
COMMENT ON TABLE kgl_batch IS '制卡批次';
COMMENT ON COLUMN kgl_batch.BATCHNO IS '制卡批次号';
COMMENT ON COLUMN kgl_batch.AAE008 IS '服务银行';
COMMENT ON COLUMN kgl_batch.ZKSL IS '制卡数量';
COMMENT ON COLUMN kgl_batch.ZKSJ IS '制卡完成时间';
COMMENT ON COLUMN kgl_batch.JSSJ IS '市级接收时间';
COMMENT ON COLUMN kgl_batch.AAE036 IS '经办时间（最后变更时间）';

CREATE TABLE kgl_writeback (
  HPID VARCHAR(12), AAZ500 VARCHAR(9), AAE010 VARCHAR(19), CHIPNO VARCHAR(32), HPJG VARCHAR(4),
  CWXX VARCHAR(100), CSCS SMALLINT, HPSJ TIMESTAMP(0), AAE036 TIMESTAMP(0));
COMMENT ON TABLE kgl_writeback IS '制卡结果回盘记录（每次尝试一行，失败可人工重试）';
COMMENT ON COLUMN kgl_writeback.HPID IS '回盘记录编号（卡号-尝试次数）';
COMMENT ON COLUMN kgl_writeback.AAZ500 IS '社会保障卡卡号';
COMMENT ON COLUMN kgl_writeback.AAE010 IS '银行卡号';
COMMENT ON COLUMN kgl_writeback.CHIPNO IS '芯片序列号';
COMMENT ON COLUMN kgl_writeback.HPJG IS '回盘结果（成功/失败）';
COMMENT ON COLUMN kgl_writeback.CWXX IS '错误信息';
COMMENT ON COLUMN kgl_writeback.CSCS IS '尝试次数';
COMMENT ON COLUMN kgl_writeback.HPSJ IS '回盘时间';
COMMENT ON COLUMN kgl_writeback.AAE036 IS '经办时间';
"""

FINISH = """
ALTER TABLE kgl_code ADD PRIMARY KEY (CODETYPE, CODE);
ALTER TABLE kgl_card ADD PRIMARY KEY (AAZ500);
ALTER TABLE kgl_apply ADD PRIMARY KEY (SQID);
ALTER TABLE kgl_batch ADD PRIMARY KEY (BATCHNO);
ALTER TABLE kgl_writeback ADD PRIMARY KEY (HPID);
CREATE INDEX kgl_card_aac002 ON kgl_card (AAC002);
CREATE INDEX kgl_card_aae036 ON kgl_card (AAE036);
CREATE INDEX kgl_apply_aac002 ON kgl_apply (AAC002);
CREATE INDEX kgl_apply_aae036 ON kgl_apply (AAE036);
CREATE INDEX kgl_batch_aae036 ON kgl_batch (AAE036);
CREATE INDEX kgl_writeback_aae036 ON kgl_writeback (AAE036);
ANALYZE;
"""
TABLES = ("kgl_code", "kgl_card", "kgl_apply", "kgl_batch", "kgl_writeback")
SEX_CODES = {"男": "1", "女": "2"}


def code_table() -> pa.Table:
    rows = [("AAZ502", c, n) for n, c in STATUS_CODES.items()]
    rows += [("AAE008", b[0], b[1]) for b in wordlists.BANKS]
    rows += [("SQQD", c, n) for c, n in zip(cardplan.CHANNEL_CODES, cardplan.CHANNELS, strict=True)]
    rows += [("YWLX", c, n) for c, n in zip(cardplan.YWLX_CODES, cardplan.YWLX, strict=True)]
    rows += [
        ("SHZT", "0", "待审核"),
        ("SHZT", "1", "审核通过"),
        ("SHZT", "2", "审核不通过"),
        ("AAC004", "1", "男"),
        ("AAC004", "2", "女"),
    ]
    return pa.table(
        {"codetype": [r[0] for r in rows], "code": [r[1] for r in rows], "codename": [r[2] for r in rows]}
    )


def _map(values, mapping: dict) -> pa.Array:
    keys = list(mapping)
    return strs.take(
        np.array(list(mapping.values())), pc.index_in(values, pa.array(keys)).to_numpy(zero_copy_only=False)
    )


def _bank_codes(bank) -> pa.Array:
    return strs.take(np.array([b[0] for b in wordlists.BANKS]), np.asarray(bank))


def _yyyymmdd(dates) -> pa.Array:
    return pc.strftime(pc.cast(dates, pa.timestamp("s")), format="%Y%m%d")


def card_rows(cards: pa.Table) -> pa.Table:
    return pa.table(
        {
            "aaz500": cards["card_no"],
            "aac002": cards["id_number"],
            "aac058": cards["doc_type"],
            "aac003": cards["name"],
            "aac004": _map(cards["sex"], SEX_CODES),
            "aab301": cards["county"],
            "aaz502": _map(cards["status"], STATUS_CODES),
            "fkrq": _yyyymmdd(cards["issue_date"]),
            "yxqz": _yyyymmdd(cards["expiry_date"]),
            "aae008": _bank_codes(cards["bank"]),
            "aae010": cards["bank_account"],
            "chipno": cards["chip_no"],
            "cardgen": cards["card_gen"],
            "sqid": cards["sqid"],
            "aae036": cards["aae036"],
        }
    )


def apply_rows(apps: pa.Table) -> pa.Table:
    return pa.table(
        {
            "sqid": apps["sqid"],
            "aac002": apps["id_number"],
            "aac058": apps["doc_type"],
            "aac003": apps["name"],
            "aab301": apps["county"],
            "ywlx": strs.take(np.array(cardplan.YWLX_CODES), apps["ywlx"].to_numpy()),
            "sqqd": strs.take(np.array(cardplan.CHANNEL_CODES), apps["channel"].to_numpy()),
            "applytime": apps["apply_time"],
            "shzt": apps["review_state"],
            "shsj": apps["review_time"],
            "shyj": apps["reject_reason"],
            "aae008": _bank_codes(apps["bank"]),
            "banktime": apps["bank_time"],
            "provincetime": apps["province_time"],
            "batchno": apps["batch_no"],
            "zxwz": apps["box"],
            "aaz500": apps["card_no"],
            "citytime": apps["city_time"],
            "citysendtime": apps["city_send_time"],
            "lkwdbm": apps["outlet_code"],
            "citysendaddr": apps["send_address"],
            "gettime": apps["get_time"],
            "aae036": apps["aae036"],
        }
    )


def batch_rows(batches: pa.Table) -> pa.Table:
    return pa.table(
        {
            "batchno": batches["batch_no"],
            "aae008": _bank_codes(batches["bank"]),
            "zksl": batches["card_count"],
            "zksj": batches["made_time"],
            "jssj": batches["city_time"],
            "aae036": batches["aae036"],
        }
    )


def writeback_rows(wb: pa.Table) -> pa.Table:
    return pa.table(
        {
            "hpid": wb["hpid"],
            "aaz500": wb["card_no"],
            "aae010": wb["bank_account"],
            "chipno": wb["chip_no"],
            "hpjg": wb["result"],
            "cwxx": wb["error"],
            "cscs": wb["attempt"],
            "hpsj": wb["attempt_time"],
            "aae036": wb["attempt_time"],
        }
    )


def tables(history: CardHistory) -> dict[str, pa.Table]:
    """The system's tables in load order."""
    return {
        "kgl_code": code_table(),
        "kgl_card": card_rows(history.cards),
        "kgl_apply": apply_rows(history.applications),
        "kgl_batch": batch_rows(history.batches),
        "kgl_writeback": writeback_rows(history.writebacks),
    }
