"""Buildings are kept one way however residents type them, so one announcement reaches the whole building."""

from __future__ import annotations

import unicodedata

import pytest

from core.buildings import BadBuilding, normalize_building


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("3号楼", "3栋"), ("３幢", "3栋"), ("3#", "3栋"), ("03栋", "3栋"), (" 7 栋 ", "7栋"), ("12", "12栋"),
     ("b座", "B栋"), ("综合楼", "综合楼")],
)  # fmt: skip
def test_the_ways_people_write_a_building(typed: str, kept: str) -> None:
    assert normalize_building(typed) == kept


@pytest.mark.parametrize("typed", ["", "   ", "楼" * 21])
def test_empty_or_overlong_is_refused(typed: str) -> None:
    with pytest.raises(BadBuilding):
        normalize_building(typed)


@pytest.mark.parametrize("typed", ["❶", "𑁙¹", "⓵栋", "፩"])
def test_digits_that_int_refuses_are_kept_as_names_not_a_crash(typed: str) -> None:
    # str.isdigit() accepts these; int() does not (found by tests/faults/test_fuzz.py).
    assert normalize_building(typed) == unicodedata.normalize("NFKC", typed).upper()
