"""Who sees what in Superset: a city-wide role, one role per county with row-level security, demo users.

A staff user sees their own region and everything below it (ARCHITECTURE.md), in Superset as in the
API: the county roles carry a row-level security filter `county_code = '<code>'` on every dataset
with a region column, and no access at all to city-only datasets (data-source monitoring).
Users get Superset's `Gamma` role (the pages) plus one of these data roles.
"""

from __future__ import annotations

from dataclasses import dataclass

from superset_assets import declaration as decl
from yikatong import regions
from yikatong.settings import get_settings

CITY_ROLE = "乐山市（全市）"
RLS_PREFIX = "ykt-region-"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    region: str
    label: str

    def job(self) -> dict[str, object]:
        return {
            "username": self.username,
            "password": self.password,
            "first_name": regions.get(self.region).name,
            "last_name": "分析员" if self.role != "Admin" else "管理员",
            "email": f"{self.username}@ykt.invalid",
            "roles": ["Admin"] if self.role == "Admin" else ["Gamma", self.role],
        }


def county_role(code: str) -> str:
    return f"{regions.COUNTIES[code]}（{code}）"


def role_jobs() -> list[dict[str, object]]:
    """The data roles and their row-level security, as `inside.py` applies them."""
    every = [d.table for d in decl.DATASETS]
    regional = [d.table for d in decl.DATASETS if d.region_column]
    (column,) = {d.region_column for d in decl.DATASETS if d.region_column}  # one name in every mart
    jobs: list[dict[str, object]] = [{"name": CITY_ROLE, "tables": every}]
    for code in regions.COUNTIES:
        jobs.append(
            {
                "name": county_role(code),
                "tables": regional,
                "rls_tables": regional,
                "rls_name": f"{RLS_PREFIX}{code}",
                "clause": f"{column} = '{code}'",
            }
        )
    return jobs


def demo_users() -> list[DemoUser]:
    """Demo logins (demo/test profiles only; production creates its accounts itself)."""
    if get_settings().profile == "prod":
        return []
    return [
        DemoUser("admin", "Ykt@Bi2026!", "Admin", regions.CITY, "管理员"),
        DemoUser("city_analyst", "Ykt@City2026!", CITY_ROLE, regions.CITY, "市级"),
        DemoUser("szq_analyst", "Ykt@Szq2026!", county_role("511102"), "511102", "县级·市中区"),
    ]


def logins_text() -> str:
    users = demo_users()
    if not users:
        return "生产环境不创建演示账号"
    return "；".join(f"{u.label} {u.username} / {u.password}" for u in users)
