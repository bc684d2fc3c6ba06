"""The lexical channel of the matching engine (semantic=False) on a small catalogue written here, so these tests do
not move with tests/data. The whole engine, both channels and the gate, is tested in test_matching_whole.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalog import ServiceEntry
from core.matching import DEFAULT_THRESHOLD, Match, Matcher, SynonymDict, load_synonyms
from tests.core.matching_helpers import top_id

CATALOGUE = [
    ServiceEntry("MEAL", "助餐送餐上门", "elderly", "为行动不便的老人每天送午餐上门", ("送餐", "助餐", "上门送餐")),
    ServiceEntry(
        "DRAIN",
        "管道疏通",
        "housekeeping",
        "疏通厨房下水道、马桶、地漏",
        ("管道疏通", "通下水道", "马桶堵了"),
    ),
    ServiceEntry("WHEEL", "辅具租借", "disabled", "免费租借轮椅、拐杖", ("轮椅", "拐杖", "租借")),
    ServiceEntry("LAW", "法律咨询", "legal", "律师免费解答租房、工资、继承问题", ("法律咨询", "律师", "法律援助")),
    ServiceEntry(
        "HAIR", "上门理发", "elderly", "为老人上门理发、剪指甲", ("理发", "剪头发"), communities=("阳光社区",)
    ),
    ServiceEntry("TUTOR", "课业辅导", "children", "大学生志愿者辅导作业", ("作业辅导", "补习"), active=False),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build(CATALOGUE, semantic=False)


@pytest.mark.parametrize(
    ("need", "expected"),
    [
        ("我腿脚不好，想找人每天送饭", "MEAL"),  # 送饭 is a synonym of the catalogue's 送餐
        ("厨房下水道堵了", "DRAIN"),
        ("想借个轮椅用两个月", "WHEEL"),
        ("房东不退押金，想找律师问问", "LAW"),
    ],
)
def test_plain_chinese_needs_find_their_service(matcher: Matcher, need: str, expected: str) -> None:
    assert top_id(matcher, need) == expected


@pytest.mark.parametrize(
    ("need", "expected"),
    [("送反上门", "MEAL"), ("管到输通", "DRAIN"), ("法律资询", "LAW"), ("论椅 租借", "WHEEL")],
)
def test_homophone_typos_are_tolerated(matcher: Matcher, need: str, expected: str) -> None:
    assert top_id(matcher, need) == expected


@pytest.mark.parametrize(
    ("need", "expected"),
    [
        ("my sink is blocked", "DRAIN"),
        ("Can someone deliver meals to my grandma?", "MEAL"),
        ("wheelchair rental", "WHEEL"),
        ("I need a lawyer", "LAW"),
    ],
)
def test_english_needs_reach_the_chinese_catalogue(matcher: Matcher, need: str, expected: str) -> None:
    assert top_id(matcher, need) == expected


def test_traditional_and_full_width_input_is_folded(matcher: Matcher) -> None:
    assert top_id(matcher, "廚房下水道堵了！！") == "DRAIN"
    assert top_id(matcher, "ｗｈｅｅｌｃｈａｉｒ") == "WHEEL"


@pytest.mark.parametrize(
    "chit_chat",
    [
        "你好",
        "在吗",
        "谢谢",
        "谢谢你们！",
        "今天天气不错",
        "hello",
        "thanks",
        "好的 收到",
        "哈哈哈",
        "",
        "  ，。！ ",
    ],
)
def test_greetings_thanks_and_chit_chat_match_nothing(matcher: Matcher, chit_chat: str) -> None:
    assert matcher.match(chit_chat) == []


def test_off_topic_requests_match_nothing(matcher: Matcher) -> None:
    for need in ("帮我订一张去北京的机票", "股票明天会涨吗", "附近哪家火锅好吃"):
        assert matcher.match(need) == [], need


def test_community_filter_keeps_services_of_that_community_and_those_serving_all(matcher: Matcher) -> None:
    assert top_id(matcher, "上门理发", community="阳光社区") == "HAIR"
    assert top_id(matcher, "上门理发", community="阳光社区 ") == "HAIR"
    assert "HAIR" not in [m.service_id for m in matcher.match("上门理发", community="桂花社区")]
    assert top_id(matcher, "厨房下水道堵了", community="桂花社区") == "DRAIN"  # serves every community


def test_inactive_services_are_excluded_unless_asked_for(matcher: Matcher) -> None:
    assert matcher.match("孩子作业需要辅导") == []
    assert top_id(matcher, "孩子作业需要辅导", include_inactive=True) == "TUTOR"


def test_matches_are_best_first_bounded_scored_and_explained(matcher: Matcher) -> None:
    matches = matcher.match("上门送饭，顺便理发", top=2)
    assert 1 <= len(matches) <= 2
    assert all(isinstance(m, Match) for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    for match in matches:
        assert matcher.threshold <= match.score <= 100
        assert match.score == round(match.score, 1)
        assert match.reason.startswith("匹配：")
    drain = matcher.match("厨房下水道堵了")[0]
    assert "下水道" in drain.reason and "堵" in drain.reason


def test_threshold_is_configurable(matcher: Matcher) -> None:
    assert matcher.threshold == DEFAULT_THRESHOLD
    assert Matcher.build(CATALOGUE, semantic=False, threshold=100.1).match("厨房下水道堵了") == []
    assert len(Matcher.build(CATALOGUE, semantic=False, threshold=0.0).match("上门", top=5)) >= 2


def test_empty_catalogue_matches_nothing() -> None:
    assert Matcher.build([], semantic=False).match("厨房下水道堵了") == []


def test_shipped_synonyms_load_once_and_hold_domain_groups() -> None:
    synonyms = load_synonyms()
    assert synonyms is load_synonyms()
    meal = set(synonyms.groups_of("送饭"))
    assert meal & set(synonyms.groups_of("助餐"))
    assert set(synonyms.groups_of("plumber")) & set(synonyms.groups_of("管道疏通"))
    assert not set(synonyms.groups_of("老人")) & meal


def test_synonym_file_format_comments_phrases_and_groups() -> None:
    synonyms = SynonymDict.from_lines(["# comment", "", "通渠 管道疏通  # Cantonese", "washing_machine 洗衣机"])
    assert len(synonyms) == 2
    assert synonyms.label(synonyms.groups_of("通渠")[0]) == "通渠"
    assert synonyms.groups_of("wash machine") == synonyms.groups_of("洗衣机")


def test_a_deployment_can_add_its_own_synonyms(tmp_path: Path) -> None:
    extra = tmp_path / "extra_synonyms.txt"
    extra.write_text("# 本地说法\n通渠 通下水道\n", encoding="utf-8")
    assert Matcher.build(CATALOGUE, semantic=False).match("要人通渠") == []
    with_extra = Matcher.build(CATALOGUE, semantic=False, synonyms=load_synonyms(extra))
    assert top_id(with_extra, "要人通渠") == "DRAIN"


def test_rank_shows_candidates_below_the_threshold_for_diagnostics(matcher: Matcher) -> None:
    ranked = matcher.rank("上门", limit=5)
    assert ranked and all(c.evidence > 0 for c in ranked)
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    assert matcher.rank("你好") == []


def test_a_need_made_only_of_shared_characters_scores_lower_than_one_naming_a_concept() -> None:
    matcher = Matcher.build(
        semantic=False, entries=[ServiceEntry("JOB", "就业指导", "employment", keywords=("岗位推荐", "找工作"))]
    )
    [by_concept] = matcher.rank("想找工作")
    [by_characters] = matcher.rank("推荐一部电影")
    assert by_concept.anchored and not by_characters.anchored
    assert by_characters.score < matcher.threshold <= by_concept.score
