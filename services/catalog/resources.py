"""数据资源项（seed 五）：城市要求共享和分析的 30 个资源项，及其在各数据集列中的出处。

Each item names the personal-data kind it carries (masked when shared) and the column names or
comment words that hold it; the registry links every dataset column that matches to the item, so
an item's openness governs those columns wherever they are exported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.catalog.classify import CLOSED, CONDITIONAL, OPEN


@dataclass(frozen=True, slots=True)
class ResourceItem:
    title: str
    pii: str | None  # personal-data kind, masked when shared
    pattern: str  # column names (full match, case-insensitive) or comment words
    openness: str = OPEN

    def matches(self, name: str, comment: str = "") -> bool:
        rx = re.compile(self.pattern, re.I)
        return bool(rx.fullmatch(name) or (comment and rx.search(comment)))


RESOURCE_ITEMS: tuple[ResourceItem, ...] = (
    ResourceItem("身份证", "id_number", r"AAC002|id_token|id_masked|社会保障号码|身份证号", CONDITIONAL),
    ResourceItem("姓名", "name", r"AAC003|name_masked|name_token|^姓名", CONDITIONAL),
    ResourceItem("民族", None, r"MZ|AAC005|ethnicity|民族"),
    ResourceItem("社保卡号", None, r"AAZ500|card_no|社会保障卡卡号|所制社会保障卡卡号"),
    ResourceItem("医院", None, r"hospital_name|医疗机构名称|医院/药店名称"),
    ResourceItem("药店名称", None, r"pharmacy_name|企业名称"),
    ResourceItem("医院药店地址", None, r"institution_address|注册地址"),
    ResourceItem("联系电话", "phone", r"AAE005|LXDH|phone_masked|phone_token|联系电话", CONDITIONAL),
    ResourceItem("使用时间", None, r"JSSJ|used_at|event_time|使用时间"),
    ResourceItem("硬件名称", None, r"device_name|terminal_name|硬件名称"),
    ResourceItem(
        "银行卡号", "bank_card", r"AAE010|YHKH|bank_card_\w+|bank_account_\w+|银行卡号|银行账号", CONDITIONAL
    ),
    ResourceItem("银行名称", None, r"YHMC|bank_name|银行名称"),
    ResourceItem("银行网点名称", None, r"KHWD|outlet_name|网点名称"),
    ResourceItem("待遇领取类型", None, r"benefit_type|AAE140|险种类型"),
    ResourceItem("景区名称", None, r"jqmc|scenic_name|景区名称"),
    ResourceItem("常住地址", "address", r"AAE006|TXDZ|address_masked|常住地址", CONDITIONAL),
    ResourceItem("图书馆名称", None, r"library_name|图书馆名称"),
    ResourceItem("申领表图片", None, r"application_image|申领表图片", CLOSED),
    ResourceItem("人员申请制卡地", None, r"apply_region|人员申请制卡地"),
    ResourceItem("医保参保地", None, r"insured_region|医保参保地|医保/社保参保地"),
    ResourceItem("行政区划代码", None, r"AAB301|region_code|county_code|township_code|xzqhdm|行政区划代码"),
    ResourceItem("单位编码", None, r"AAB001|employer_id|单位编号"),
    ResourceItem("单位名称", None, r"AAB004|employer_name|单位名称"),
    ResourceItem("证件有效期", None, r"YXQZ|expires_on|有效期至"),
    ResourceItem("经办人", "name", r"AAE011|staff_masked|staff_token|^经办人", CONDITIONAL),
    ResourceItem("交易流水号", None, r"AAE076|transaction_id|交易流水号"),
    ResourceItem("业务类型", None, r"YWLX|YWLXMC|business_type|业务类型"),
    ResourceItem("常住所在地邮政编码", None, r"AAE007|YZBM|postcode|邮政编码"),
    ResourceItem("监护人证件类型", None, r"JHRZJLX|guardian_doc_type|监护人证件类型"),
    ResourceItem("监护人证件号码", "id_number", r"JHRZJHM|guardian_id_\w+|监护人证件号码", CONDITIONAL),
)
BY_TITLE = {item.title: item for item in RESOURCE_ITEMS}


# A personal-data column no pattern names still carries the item of its kind (so closing 身份证
# closes every ID-number column, whatever it is called).
ITEM_OF_KIND = {
    "id_number": "身份证",
    "name": "姓名",
    "phone": "联系电话",
    "bank_card": "银行卡号",
    "address": "常住地址",
}


def item_of(name: str, comment: str = "", pii: str | None = None) -> str | None:
    """The resource item a column carries (the first that matches, else its personal-data kind's)."""
    for item in RESOURCE_ITEMS:
        if item.matches(name, comment):
            return item.title
    return ITEM_OF_KIND.get(pii) if pii else None


def resource_key(title: str) -> str:
    return f"resource.{title}"
