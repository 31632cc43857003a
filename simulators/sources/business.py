"""社保业务信息库 (social-insurance business database), database `src_business`.

`ywk_benefit_payment` 待遇发放 (pensions, 失业金, 工伤待遇) paid monthly, each county on its own day
(`simulators.event_holders.PENSION_DAY`, the day the event stream shows the payments), most to the
bank account of the person's social security card, some to another account;
`ywk_medical_settlement` 医保结算 at hospitals and pharmacies (codes from `simulators.institutions`);
`ywk_transaction` 经办业务 at service outlets with the staff member (经办人) who handled it.
Rows are generated day by day from a stream named after the day, so `advance` adds a day exactly as
a longer `simulate` would have. Flow ids (AAE076) carry the day: `JS20261127` + 8 digits.
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from simulators.sources.business_rows import (
    BusinessContext,
    benefit_payments,
    code_table,
    medical_settlements,
    transactions,
)

DATABASE = "src_business"
KEYS = {"ywk_benefit_payment": "aae076", "ywk_medical_settlement": "aae076", "ywk_transaction": "aae076"}
TABLES = ("ywk_code", "ywk_benefit_payment", "ywk_medical_settlement", "ywk_transaction")
DDL = """
CREATE TABLE ywk_code (
  CODETYPE VARCHAR(20) NOT NULL, CODE VARCHAR(10) NOT NULL, CODENAME VARCHAR(50) NOT NULL);
COMMENT ON TABLE ywk_code IS '代码表';

CREATE TABLE ywk_benefit_payment (
  AAE076 VARCHAR(20), AAC002 VARCHAR(18), AAC003 VARCHAR(50), AAE140 VARCHAR(3), DYLX VARCHAR(20),
  AAE002 VARCHAR(6), AAE019 NUMERIC(12,2), AAE010 VARCHAR(19), AAB301 VARCHAR(6), FFRQ DATE,
  AAE036 TIMESTAMP(0));
COMMENT ON TABLE ywk_benefit_payment IS '待遇发放明细';
COMMENT ON COLUMN ywk_benefit_payment.AAE076 IS '发放流水号';
COMMENT ON COLUMN ywk_benefit_payment.AAC002 IS '社会保障号码';
COMMENT ON COLUMN ywk_benefit_payment.AAC003 IS '姓名';
COMMENT ON COLUMN ywk_benefit_payment.AAE140 IS '险种类型';
COMMENT ON COLUMN ywk_benefit_payment.DYLX IS
  '待遇领取类型（机关事业养老/企业职工养老/城乡居民养老/失业金/工伤待遇）';
COMMENT ON COLUMN ywk_benefit_payment.AAE002 IS '费款所属期（yyyymm）';
COMMENT ON COLUMN ywk_benefit_payment.AAE019 IS '发放金额（元）';
COMMENT ON COLUMN ywk_benefit_payment.AAE010 IS '收款银行账号';
COMMENT ON COLUMN ywk_benefit_payment.AAB301 IS '参保地行政区划代码';
COMMENT ON COLUMN ywk_benefit_payment.FFRQ IS '发放日期';
COMMENT ON COLUMN ywk_benefit_payment.AAE036 IS '经办时间';

CREATE TABLE ywk_medical_settlement (
  AAE076 VARCHAR(20), AAC002 VARCHAR(18), AAC003 VARCHAR(50), AKB020 VARCHAR(11), AKB021 VARCHAR(100),
  JGLX VARCHAR(4), AKA130 VARCHAR(2), AKC264 NUMERIC(12,2), AKE039 NUMERIC(12,2), AKB066 NUMERIC(12,2),
  AKB067 NUMERIC(12,2), JZLX VARCHAR(10), AAZ500 VARCHAR(9), JSSJ TIMESTAMP(0), AAB301 VARCHAR(6),
  AAE036 TIMESTAMP(0));
COMMENT ON TABLE ywk_medical_settlement IS '医保结算明细（医院、药店）';
COMMENT ON COLUMN ywk_medical_settlement.AAE076 IS '结算流水号';
COMMENT ON COLUMN ywk_medical_settlement.AAC002 IS '社会保障号码';
COMMENT ON COLUMN ywk_medical_settlement.AAC003 IS '姓名';
COMMENT ON COLUMN ywk_medical_settlement.AKB020 IS '定点医药机构编码';
COMMENT ON COLUMN ywk_medical_settlement.AKB021 IS '定点医药机构名称（医院/药店名称）';
COMMENT ON COLUMN ywk_medical_settlement.JGLX IS '机构类型（医院/药店）';
COMMENT ON COLUMN ywk_medical_settlement.AKA130 IS '医疗类别（11普通门诊 21住院 41定点药店购药）';
COMMENT ON COLUMN ywk_medical_settlement.AKC264 IS '医疗费总额';
COMMENT ON COLUMN ywk_medical_settlement.AKE039 IS '统筹基金支付';
COMMENT ON COLUMN ywk_medical_settlement.AKB066 IS '个人账户支付';
COMMENT ON COLUMN ywk_medical_settlement.AKB067 IS '现金支付';
COMMENT ON COLUMN ywk_medical_settlement.JZLX IS '就诊介质（社保卡/医保电子凭证/电子社保卡）';
COMMENT ON COLUMN ywk_medical_settlement.AAZ500 IS '社会保障卡卡号（刷卡时）';
COMMENT ON COLUMN ywk_medical_settlement.JSSJ IS '结算时间（使用时间）';
COMMENT ON COLUMN ywk_medical_settlement.AAB301 IS '医保参保地行政区划代码';
COMMENT ON COLUMN ywk_medical_settlement.AAE036 IS '经办时间';

CREATE TABLE ywk_transaction (
  AAE076 VARCHAR(20), YWLX VARCHAR(4), YWLXMC VARCHAR(50), AAC002 VARCHAR(18), AAC003 VARCHAR(50),
  AAE011 VARCHAR(50), JBJGBM VARCHAR(12), JBJGMC VARCHAR(100), AAB301 VARCHAR(6), JYSJ TIMESTAMP(0),
  AAE036 TIMESTAMP(0));
COMMENT ON TABLE ywk_transaction IS '经办业务流水';
COMMENT ON COLUMN ywk_transaction.AAE076 IS '交易流水号';
COMMENT ON COLUMN ywk_transaction.YWLX IS '业务类型代码';
COMMENT ON COLUMN ywk_transaction.YWLXMC IS '业务类型名称';
COMMENT ON COLUMN ywk_transaction.AAC002 IS '社会保障号码';
COMMENT ON COLUMN ywk_transaction.AAC003 IS '姓名';
COMMENT ON COLUMN ywk_transaction.AAE011 IS '经办人';
COMMENT ON COLUMN ywk_transaction.JBJGBM IS '经办机构（网点）编码';
COMMENT ON COLUMN ywk_transaction.JBJGMC IS '经办机构（网点）名称';
COMMENT ON COLUMN ywk_transaction.AAB301 IS '行政区划代码';
COMMENT ON COLUMN ywk_transaction.JYSJ IS '交易时间';
COMMENT ON COLUMN ywk_transaction.AAE036 IS '经办时间';
"""
FINISH = """
ALTER TABLE ywk_code ADD PRIMARY KEY (CODETYPE, CODE);
ALTER TABLE ywk_benefit_payment ADD PRIMARY KEY (AAE076);
ALTER TABLE ywk_medical_settlement ADD PRIMARY KEY (AAE076);
ALTER TABLE ywk_transaction ADD PRIMARY KEY (AAE076);
CREATE INDEX ywk_benefit_payment_aae036 ON ywk_benefit_payment (AAE036);
CREATE INDEX ywk_medical_settlement_aae036 ON ywk_medical_settlement (AAE036);
CREATE INDEX ywk_transaction_aae036 ON ywk_transaction (AAE036);
CREATE INDEX ywk_benefit_payment_aac002 ON ywk_benefit_payment (AAC002);
CREATE INDEX ywk_medical_settlement_aac002 ON ywk_medical_settlement (AAC002);
ANALYZE;
"""


def _concat(parts: list[pa.Table], empty: pa.Table) -> pa.Table:
    return pa.concat_tables(parts) if parts else empty


def tables_for_days(ctx: BusinessContext, days: list[date]) -> dict[str, pa.Table]:
    """The fact rows of `days`, in day order."""
    return {
        "ywk_benefit_payment": _concat([benefit_payments(ctx, d) for d in days], benefit_payments(ctx, None)),
        "ywk_medical_settlement": _concat(
            [medical_settlements(ctx, d) for d in days], medical_settlements(ctx, None)
        ),
        "ywk_transaction": _concat([transactions(ctx, d) for d in days], transactions(ctx, None)),
    }


def tables(ctx: BusinessContext, days: list[date]) -> dict[str, pa.Table]:
    return {"ywk_code": code_table()} | tables_for_days(ctx, days)
