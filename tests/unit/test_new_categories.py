"""A category a community adds (便民服务) is shown by its name wherever categories are: the open needs, the needs
book, the weekly chart's series, the matching engine (which treats it as a category it has no prior for)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.catalog import ServiceEntry, category_by_code
from core.exports.needs import category_name
from core.matching import Matcher
from core.needs_book import open_needs
from core.reports import CATEGORY_ORDER, category_place
from storage.protocols import NeedFact

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def need(category: str | None, hours_ago: float) -> NeedFact:
    return NeedFact("R", NOW - timedelta(hours=hours_ago), category, None, "x", "submitted", None, None)


def test_a_new_category_reads_as_its_name() -> None:
    category = category_by_code("便民服务")
    assert (category.zh, category.en, category.builtin) == ("便民服务", "便民服务", False)
    assert category_by_code("elderly").zh == "为老" and category_by_code("elderly").builtin
    assert category_name("便民服务") == "便民服务"


def test_open_needs_keep_new_categories_after_the_built_in_ones() -> None:
    groups = open_needs([need("便民服务", 3), need(None, 1), need("elderly", 2), need("宠物服务", 4)], NOW)
    assert [g.category for g in groups] == ["elderly", "便民服务", "宠物服务", "unmatched"]


def test_the_chart_places_a_new_category_after_the_known_ones() -> None:
    assert category_place("便民服务") == len(CATEGORY_ORDER)


def test_the_matching_engine_takes_a_catalogue_with_new_categories() -> None:
    entries = [
        ServiceEntry("A1", "代缴水电费", "便民服务", "帮老人缴水费电费", ("缴费", "水电费")),
        ServiceEntry(
            "A2", "宠物寄养", "宠物服务", "主人住院时照看猫狗", ("宠物", "猫", "狗"), other_categories=("elderly",)
        ),
        ServiceEntry("S1", "助餐送餐上门", "elderly", "每天送午餐上门", ("送餐",)),
    ]
    matcher = Matcher.build(entries)
    [best, *_] = matcher.match("家里的猫狗没人照看，想找人帮忙照看宠物")
    assert best.service_id == "A2"
