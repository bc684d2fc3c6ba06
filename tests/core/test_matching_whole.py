"""The whole matching engine (both channels, the ranker and the gate) on the project's catalogue, with the real
sentence encoder: what a resident's words do, by kind of message."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalog import ServiceEntry, parse_catalog
from core.matching import Matcher
from tests.core.matching_helpers import top_id

CATALOG = Path(__file__).resolve().parents[1] / "data" / "catalog.csv"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build(parse_catalog(CATALOG).entries)


@pytest.mark.parametrize("talk", ["你好", "在吗", "谢谢", "老师好", "👍👍", "好的，收到", "你是机器人吗", "今天好热啊"])
def test_greetings_thanks_and_small_talk_match_nothing_and_are_not_needs(matcher: Matcher, talk: str) -> None:
    assessment = matcher.assess(talk)
    assert assessment.matches == [], talk
    assert not assessment.is_need, talk


@pytest.mark.parametrize(
    "remark",
    [
        "昨天社区的送餐挺好吃",
        "修下水道的师傅昨天来过了，已经搞定了",
        "我家轮椅用得蛮好，不用换",
        "体检报告拿到了，都正常",
    ],
)
def test_remarks_that_name_a_service_without_asking_match_nothing(matcher: Matcher, remark: str) -> None:
    assert matcher.match(remark) == [], remark


@pytest.mark.parametrize(
    ("need", "expected"),
    [
        ("我一个人住，腿脚不方便下不了楼，中午没人做饭", "S001"),  # indirect: never says 送餐
        ("我家娭毑一个人在屋里，冇得人帮她弄饭恰", "S001"),  # Changsha dialect
        ("厨房水龙头一直在露水", "S021"),  # a pinyin slip: 露水 for 漏水
        ("廚房下水道堵了，水下不去", "S020"),  # traditional characters
        ("the kitchen sink is blocked and the water won't go down", "S020"),  # English
        ("想找个律师问问，老板欠了我三个月工资不给", "S026"),
    ],
)
def test_needs_in_residents_words_are_matched(matcher: Matcher, need: str, expected: str) -> None:
    assert top_id(matcher, need) == expected, need


def test_a_need_no_service_fits_is_a_need_with_no_match(matcher: Matcher) -> None:
    assessment = matcher.assess("我家的狗病了不吃东西，附近有没有宠物医院")
    assert assessment.matches == []
    assert assessment.is_need


def test_a_match_found_by_meaning_alone_still_gives_a_reason(matcher: Matcher) -> None:
    (first, *_) = matcher.match("我一个人住，腿脚不方便下不了楼，中午没人做饭")
    assert first.reason
    assert 0 < first.score <= 100


def test_a_qualifier_the_need_never_mentions_breaks_a_tie() -> None:
    catalogue = [
        ServiceEntry(
            "DIS", "残疾人就业服务", "employment", "为残疾人推荐合适岗位、提供就业援助", ("残疾人就业", "岗位推荐")
        ),
        ServiceEntry("JOB", "就业推荐", "employment", "为失业人员推荐岗位、提供招聘会信息", ("找工作", "岗位推荐")),
        ServiceEntry("MEAL", "老年助餐", "elderly", "老人送餐上门", ("送餐",)),
    ]
    matcher = Matcher.build(catalogue)
    assert top_id(matcher, "失业半年了，想找份工作") == "JOB"
    assert top_id(matcher, "我腿有残疾，想找份能坐着干的工作") == "DIS"


def test_a_community_that_lacks_the_service_is_not_offered_its_nearest_other() -> None:
    catalogue = [
        ServiceEntry("MEAL", "助餐送餐上门", "elderly", "每天送午餐上门", ("送餐",), communities=("阳光社区",)),
        ServiceEntry("DRAIN", "管道疏通", "housekeeping", "疏通厨房下水道、马桶", ("马桶堵了",)),
        ServiceEntry("WHEEL", "辅具租借", "disabled", "免费租借轮椅", ("轮椅",)),
    ]
    matcher = Matcher.build(catalogue)
    assert top_id(matcher, "每天中午能不能给我送饭上门", community="阳光社区") == "MEAL"
    assessment = matcher.assess("每天中午能不能给我送饭上门", community="桂花社区")
    assert assessment.matches == [] and assessment.is_need


def test_the_community_filter_and_inactive_services_still_hold(matcher: Matcher) -> None:
    entries = parse_catalog(CATALOG).entries
    served = {e.service_id for e in entries if not e.communities or "阳光社区" in e.communities}
    for need in ("厨房下水道堵了", "想找人陪我妈去医院看病", "孩子放学没人接"):
        for match in matcher.match(need, community="阳光社区"):
            assert match.service_id in served


def test_a_catalogue_with_no_services_matches_nothing() -> None:
    assert Matcher.build([]).match("厨房下水道堵了") == []
