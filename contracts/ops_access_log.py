"""渠道访问记录 (silver.ops_access_log) contract: one row per request id, known kinds, no raw IPs.

The middleware wrote these rows, so the contract guards what the channel marts rely on: a key, a
time, an actor kind the marts know, a status class, a non-negative latency, an IP masked to its
/24 (IPv4) or /48 (IPv6) — a full address reaching silver is personal data leaking — and a county
code, when there is one, that exists in 乐山市's tree.
"""

from __future__ import annotations

from contracts import expect
from contracts.contract import Contract

ACTOR_KINDS = ("resident", "staff", "device", "partner", "anonymous")
RESULTS = ("1xx", "2xx", "3xx", "4xx", "5xx")
# an address without a prefix length, or an IPv4 network whose host octet is not cleared
UNMASKED_IP = r"^[^/]*$|\.[1-9][0-9]*/"


def expectations() -> list:
    gx = expect.gx_expectations()
    unmasked = {"reason": "IP 未脱敏（应为 /24 或 /48 网段）"}
    return [
        expect.not_null("id", "主键为空"),
        expect.unique(["id"], "主键重复"),
        expect.not_null("at", "访问时间为空"),
        expect.not_null("endpoint", "接口为空"),
        expect.in_set("actor_kind", ACTOR_KINDS, "访问主体类别未知"),
        expect.in_set("result", RESULTS, "结果类别未知"),
        expect.within("latency_ms", 0, 3_600_000, "耗时为负或超过一小时"),
        gx.ExpectColumnValuesToNotMatchRegex(column="ip_masked", regex=UNMASKED_IP, meta=unmasked),
        expect.region_in_tree("county_code", ("city", "county")),
    ]


CONTRACT = Contract(name="ops_access_log", key=["id"], threshold=0.01, expectations=expectations)
