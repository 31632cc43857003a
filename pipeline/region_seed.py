"""行政区划参照表 for dbt: `dbt/seeds/ref_region.csv`, written from `yikatong.regions`.

One row per region (city, 11 counties, 132 townships/streets, their outlets) with its level, parent
and the county and township it lies in, so every mart can name a code in Chinese and filter by the
county (the column Superset's row-level security uses). The CSV is committed (dbt seeds are files);
`python -m pipeline.region_seed` rewrites it and a test checks it matches the code.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from yikatong import regions

SEED = Path(__file__).resolve().parent.parent / "dbt" / "seeds" / "ref_region.csv"
COLUMNS = ["region_code", "region_name", "region_level", "parent_code", "county_code", "county_name",
           "township_code", "township_name", "full_name"]  # fmt: skip


def rows() -> list[dict[str, str]]:
    """The region tree as seed rows, ordered by code."""
    out = []
    for region in sorted(regions.all_regions(), key=lambda r: r.code):
        county = regions.county_of(region.code) if region.level != "city" else None
        township = region.code[:9] if region.level in ("township", "outlet") else None
        out.append(
            {
                "region_code": region.code,
                "region_name": region.name,
                "region_level": region.level,
                "parent_code": region.parent or "",
                "county_code": county or "",
                "county_name": regions.name(county) if county else "",
                "township_code": township or "",
                "township_name": regions.name(township) if township else "",
                "full_name": region.full_name,
            }
        )
    return out


def render() -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows())
    return buffer.getvalue()


def write(path: Path = SEED) -> Path:
    path.write_text(render(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write())
