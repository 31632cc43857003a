"""共享交换的订阅部门（数据使用方）：部门代码与名称。"""

from __future__ import annotations

import re

DEPARTMENTS: dict[str, str] = {
    "WJW": "乐山市卫生健康委员会",
    "YBJ": "乐山市医疗保障局",
    "SCJG": "乐山市市场监督管理局",
    "WGLJ": "乐山市文化广电旅游局",
    "JRJG": "国家金融监督管理总局乐山监管分局",
    "MZJ": "乐山市民政局",
    "GAJ": "乐山市公安局",
    "SJJ": "乐山市大数据中心",
}
CODE = re.compile(r"^[A-Z]{2,16}$")


def name_of(code: str) -> str | None:
    return DEPARTMENTS.get(code)
