"""Choosing among a city's communities a page at a time (core.community_search): districts, then one district's
communities, in pages that never run past the last one."""

from __future__ import annotations

from core.community_search import NO_DISTRICT, districts, in_district, page_of
from storage.records import Community

CITY = [Community(1, "阳光社区", "雨花区"), Community(2, "望月湖社区", "岳麓区"), Community(3, "桂花社区", "雨花区"),
        Community(4, "新社区", None)]  # fmt: skip


def test_districts_by_name_with_the_unnamed_last() -> None:
    assert districts(CITY) == [*sorted(["雨花区", "岳麓区"]), NO_DISTRICT]
    assert districts(CITY[:3]) == sorted(["雨花区", "岳麓区"])
    assert [c.id for c in in_district(CITY, "雨花区")] == [1, 3]
    assert [c.id for c in in_district(CITY, NO_DISTRICT)] == [4]


def test_pages_are_clamped_and_say_what_lies_either_side() -> None:
    items = list(range(20))
    assert page_of(items, 0, 8) == (list(range(8)), False, True)
    assert page_of(items, 1, 8) == (list(range(8, 16)), True, True)
    assert page_of(items, 2, 8) == (list(range(16, 20)), True, False)
    assert page_of(items, 9, 8) == (list(range(16, 20)), True, False)  # a stale page number: the last page
    assert page_of([], 0, 8) == ([], False, False)
