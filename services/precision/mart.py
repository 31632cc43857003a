"""`python -m services.precision.mart --ds D`：只构建精准服务的 dbt 模型（不必重建全部数据模型）。"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from pipeline import transform

SELECT = ("stg_precision__targets", "mart_precision_service")  # dim_region: built by transform_marts


def build(ds: date) -> transform.DbtResult:
    """``dbt build`` of the precision models as of ``ds``; raises when anything fails."""
    # cautious: only the tests of these two models, not every test that touches dim_region
    result = transform.invoke(
        [*transform.build_args(ds), "--select", *SELECT, "--indirect-selection", "cautious"]
    )
    if not result.success:
        raise transform.TransformFailed(
            f"精准服务模型构建失败 / failed ({result.summary()}):\n" + "\n".join(result.failures[:20])
        )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.precision.mart")
    parser.add_argument("--ds", required=True, type=date.fromisoformat)
    result = build(parser.parse_args(argv).ds)
    print(f"mart_precision_service: {result.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
