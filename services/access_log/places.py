"""IP 脱敏与粗略地点: mask an address at ingest and place it through the shipped range table.

`ip_places.csv` maps the simulated networks (one /16 per county of 乐山市 in the 政务外网's
10.x space, the city's own 172.20/16, the carriers' shared space) to a county code and a place
name; a deployment replaces the file with the city's real allocation. Only the masked address
(IPv4 /24, IPv6 /48) is ever stored; the full one lives for the length of one function call.
"""

from __future__ import annotations

import bisect
import csv
import functools
import ipaddress
import itertools
from dataclasses import dataclass
from pathlib import Path

RANGES = Path(__file__).with_name("ip_places.csv")
UNKNOWN = "未知"


@dataclass(frozen=True, slots=True)
class Place:
    county_code: str | None
    name: str


@dataclass(frozen=True, slots=True)
class _Range:
    first: int
    last: int
    place: Place


@functools.cache
def _table() -> tuple[list[int], list[_Range]]:
    rows = []
    with RANGES.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            net = ipaddress.ip_network(row["network"])
            place = Place(row["county_code"] or None, row["place"])
            rows.append(_Range(int(net.network_address), int(net.broadcast_address), place))
    rows.sort(key=lambda r: r.first)
    for before, after in itertools.pairwise(rows):
        if after.first <= before.last:
            raise ValueError(f"{RANGES.name}: 地址段重叠 / overlapping ranges at {after.place.name}")
    return [r.first for r in rows], rows


def _ipv4(ip: str) -> int | None:
    """The dotted quad as an integer, without `ipaddress` (a few µs per call there)."""
    parts = ip.split(".")
    if len(parts) != 4 or not all(p.isdigit() and len(p) <= 3 for p in parts):
        return None
    a, b, c, d = (int(p) for p in parts)
    if max(a, b, c, d) > 255:
        return None
    return a << 24 | b << 16 | c << 8 | d


@functools.lru_cache(maxsize=65536)
def locate(ip: str | None) -> tuple[str | None, Place]:
    """The masked address and the place of ``ip``, cached (clients come back: the cost is paid once)."""
    return mask(ip), place_of(ip)


def place_of(ip: str | None) -> Place:
    """The county and place of an IPv4 address through the range table; 未知 when no range holds it."""
    value = _ipv4(ip or "")
    if value is None:
        return Place(None, UNKNOWN)
    starts, ranges = _table()
    at = bisect.bisect_right(starts, value) - 1
    if at >= 0 and ranges[at].last >= value:
        return ranges[at].place
    return Place(None, UNKNOWN)


def mask(ip: str | None) -> str | None:
    """The address with its host part cleared: IPv4 → its /24, IPv6 → its /48 (None when unparsable)."""
    value = _ipv4(ip or "")
    if value is not None:
        return f"{value >> 24}.{value >> 16 & 255}.{value >> 8 & 255}.0/24"
    try:
        address = ipaddress.IPv6Address(ip or "")
    except ValueError:
        return None
    return str(ipaddress.ip_network(f"{address}/48", strict=False))
