"""经办业务流水 contract: the shared record promises (:mod:`contracts.person_record`), plus a 业务类型,
a 经办人 and a 交易时间 not after the day."""

from __future__ import annotations

from datetime import date

from contracts import expect
from contracts.person_record import person_record_contract


def expectations(ds: date) -> list:
    return [
        expect.not_null("business_type", "业务类型为空"),
        expect.not_null("staff_token", "经办人为空"),
        expect.not_null("transacted_at", "交易时间为空"),
        expect.not_after("transacted_at", ds),
    ]


CONTRACT = person_record_contract("business_transaction", "transaction_id", "交易流水号", expectations)
