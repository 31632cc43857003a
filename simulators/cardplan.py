"""How one social-security-card application moves through its stages (制卡流程), as pure functions.

申请 APPLYTIME → 审核 SHSJ → 银行开户 BANKTIME → 省级制卡 PROVINCETIME → 市级接收 CITYTIME →
发往网点 CITYSENDTIME → 领卡 GETTIME. Every duration is a hash of the application's apply time (to the
second) and the run seed, never a draw from a running generator: `simulate` plans the whole flow and
shows the stages reached by ANCHOR, and a later `advance` recomputes the same plan from the row in the
database and reveals the stages that fall on its new day. 自助机 applications are made on the spot
(即时制卡: every stage within minutes, no batch). Cards made on the same day for the same bank form
one batch (批次), which the city receives at one time.
"""

from __future__ import annotations

import numpy as np

from simulators import clock
from simulators.rand import hash_u01

CHANNELS = ("柜面", "自助机", "微信", "天府通办", "智乐山")
CHANNEL_CODES = ("01", "02", "03", "04", "05")
KIOSK = 1
YWLX = ("申领", "补卡", "换卡")
YWLX_CODES = ("1", "2", "3")
REJECT_REASONS = (
    "照片不符合要求",
    "身份信息与公安核查不一致",
    "已有有效社保卡",
    "监护人信息不完整",
    "银行开户信息有误",
)
REJECT_RATE = 0.03
NEVER_COLLECTED = 0.04
WRITEBACK_ERRORS = ("银行账户信息不一致", "芯片序列号校验失败", "省平台接口超时", "卡号状态不允许回盘")


def application_keys(apply_time: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """The integer every planned duration of an application is hashed from."""
    return apply_time.astype("datetime64[s]").astype(np.int64) * 8 + channel.astype(np.int64)


def _u(seed: int, keys: np.ndarray, stage: str) -> np.ndarray:
    return hash_u01(seed, keys, f"cardplan:{stage}")


def stage_plan(
    seed: int, apply_time: np.ndarray, channel: np.ndarray, bank: np.ndarray
) -> dict[str, np.ndarray]:
    """Planned times of every stage (datetime64[s], unmasked) plus `rejected` and `reason` (index)."""
    key = application_keys(apply_time, channel)
    kiosk = channel == KIOSK
    online = channel >= 2
    review_s = np.where(
        kiosk,
        60 + 120 * _u(seed, key, "review"),
        np.where(
            online, 2 * 3600 + 70 * 3600 * _u(seed, key, "review"), 600 + 86000 * _u(seed, key, "review")
        ),
    )
    review = apply_time + clock.seconds(review_s)
    rejected = _u(seed, key, "reject") < np.where(kiosk, 0.01, REJECT_RATE)
    reason = np.floor(_u(seed, key, "reason") * len(REJECT_REASONS)).astype(np.int64)
    bank_time = review + clock.seconds(
        np.where(kiosk, 60 + 60 * _u(seed, key, "bank"), 3600 + 47 * 3600 * _u(seed, key, "bank"))
    )
    made_day = clock.to_date(bank_time) + np.floor(2 + 7 * _u(seed, key, "province")).astype("timedelta64[D]")
    province = np.where(
        kiosk,
        bank_time + clock.seconds(60 + 180 * _u(seed, key, "province")),
        clock.at_hours(made_day, _u(seed, key, "province_h"), 9, 18),
    )
    city = np.where(
        kiosk,
        province + clock.seconds(30 + 60 * _u(seed, key, "city")),
        batch_city_time(seed, province, bank),
    )
    send_day = clock.to_date(city) + np.floor(1 + 3 * _u(seed, key, "send")).astype("timedelta64[D]")
    send = np.where(kiosk, city + clock.seconds(10), clock.at_hours(send_day, _u(seed, key, "send_h"), 8, 18))
    wait = np.where(
        _u(seed, key, "get_fast") < 0.5, 1 + 6 * _u(seed, key, "get"), 7 + 53 * _u(seed, key, "get")
    )
    get_day = clock.to_date(send) + np.floor(wait).astype("timedelta64[D]")
    never = (_u(seed, key, "never") < NEVER_COLLECTED) & ~kiosk
    get = np.where(
        kiosk,
        send + clock.seconds(30 + 90 * _u(seed, key, "get")),
        clock.at_hours(get_day, _u(seed, key, "get_h"), 8.5, 17.5),
    )
    get = np.where(never, clock.NAT, get)
    return {
        "review_time": review,
        "rejected": rejected,
        "reason": reason,
        "bank_time": bank_time,
        "province_time": province,
        "city_time": city,
        "city_send_time": send,
        "get_time": get,
    }


def batch_keys(province_time: np.ndarray, bank: np.ndarray) -> np.ndarray:
    """yyyymmdd * 10 + bank index: one batch per bank per making day."""
    return clock.ymd(province_time) * 10 + bank.astype(np.int64)


def batch_city_time(seed: int, province_time: np.ndarray, bank: np.ndarray) -> np.ndarray:
    """When the city receives the batch (市级接收): 2–5 days after making, one time per batch."""
    key = batch_keys(province_time, bank)
    day = clock.to_date(province_time) + np.floor(2 + 4 * _u(seed, key, "batch_city")).astype(
        "timedelta64[D]"
    )
    return clock.at_hours(day, _u(seed, key, "batch_city_h"), 9, 17)


def writeback_plan(
    seed: int, serial: np.ndarray, province_time: np.ndarray, kiosk: np.ndarray
) -> dict[str, np.ndarray]:
    """Up to three 回盘 attempts per card: times (NaT = no attempt) and success flags."""
    first = province_time + clock.seconds(
        np.where(kiosk, 20 + 40 * _u(seed, serial, "wb1"), 43200 + 216000 * _u(seed, serial, "wb1"))
    )
    ok1 = _u(seed, serial, "wb1_ok") < 0.96
    second = np.where(ok1, clock.NAT, first + clock.seconds(86400 + 172800 * _u(seed, serial, "wb2")))
    ok2 = _u(seed, serial, "wb2_ok") < 0.9
    third = np.where(ok1 | ok2, clock.NAT, second + clock.seconds(86400 + 432000 * _u(seed, serial, "wb3")))
    ok3 = _u(seed, serial, "wb3_ok") < 0.8
    error = np.floor(_u(seed, serial, "wb_err") * len(WRITEBACK_ERRORS)).astype(np.int64)
    return {"times": (first, second, third), "ok": (ok1, ok2, ok3), "error": error}
