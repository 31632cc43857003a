"""乱码识别: every generated name and address is clean; every mojibake the simulator makes is caught."""

from __future__ import annotations

import pytest

from simulators.dirt import mojibake
from simulators.population import generate_residents
from simulators.scales import get_scale
from spark_jobs.text_quality import looks_garbled


@pytest.fixture(scope="module")
def residents():
    return generate_residents(get_scale("small"), 7)


@pytest.mark.parametrize("column", ["name", "address"])
def test_generated_text_is_clean_and_its_mojibake_is_not(residents, column: str) -> None:
    values = [v for v in residents[column].to_pylist() if v]
    assert [v for v in values if looks_garbled(v)] == []
    assert [v for v in values if not looks_garbled(mojibake(v))] == []


@pytest.mark.parametrize(
    "text", ["阿依·木呷", "欧阳娜娜", "王\u3000春", "乐山市市中区（海棠街道）12号", "Smith·John", None, ""]
)
def test_clean_text(text: str | None) -> None:
    assert not looks_garbled(text)


@pytest.mark.parametrize("text", ["å¼ ä¸‰", "寮犱笁", "张\ufffd", "ÃÂ"])
def test_garbled_text(text: str) -> None:
    assert looks_garbled(text)
