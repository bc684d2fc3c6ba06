"""The lexical channel (semantic=False).

Talk that must match nothing beside real needs worded close to it: negated troubles, yes-no 没, questions
about the listener, remarks on a scene, exclamations, pets and taxis.

A small catalogue written here, so these tests do not move with tests/data.
"""

from __future__ import annotations

import pytest

from core.catalog import ServiceEntry
from core.matching import Matcher
from core.matching.analyzer import NEED, PLAIN, QUESTION, Analyzer
from core.matching.cues import LISTENER, NEGATED, YES_NO, CueLexicon, read_clause

CATALOGUE = [
    ServiceEntry("MEAL", "助餐送餐上门", "elderly", "为行动不便的老人每天送午餐上门", ("送餐", "助餐", "送饭上门")),
    ServiceEntry("CANTEEN", "长者食堂", "elderly", "社区长者食堂提供午餐和晚餐", ("老年食堂", "社区食堂")),
    ServiceEntry("DRAIN", "管道疏通", "housekeeping", "疏通厨房下水道、洗菜池、马桶、地漏", ("管道疏通", "马桶堵了")),
    ServiceEntry("PLUMB", "水电维修", "housekeeping", "维修漏水的水管，电路跳闸、插座、灯泡", ("水电维修", "水管")),
    ServiceEntry(
        "APPLIANCE", "家电维修", "housekeeping", "上门维修空调、洗衣机、热水器、电视", ("家电维修", "热水器", "电视")
    ),
    ServiceEntry("TUTOR", "课业辅导", "children", "为中小学生提供作业辅导，语文、数学、英语均可", ("作业辅导", "英语")),
    ServiceEntry("MENTAL", "心理疏导", "mental", "心理咨询师缓解焦虑、抑郁、失眠等情绪困扰", ("心理疏导", "情绪")),
    ServiceEntry("DISPUTE", "纠纷调解", "legal", "调解邻里噪音、漏水、宠物扰民等矛盾", ("纠纷调解", "宠物扰民")),
    ServiceEntry("RENTAL", "辅具租借", "disabled", "轮椅、助行器免费租借", ("轮椅租借", "辅具")),
    ServiceEntry("REHAB", "康复训练", "disabled", "中风后遗症、肢体残疾的康复训练", ("康复训练", "中风")),
    ServiceEntry("VOLUNTEER", "志愿者招募", "affairs", "招募社区志愿者参加助老活动", ("志愿者", "做公益")),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build(CATALOGUE, semantic=False)


@pytest.mark.parametrize(
    "talk",
    [
        # a trouble negated: all is well
        "上回疏通完下水道到现在都没堵过，真不错",
        "马桶修好以后再也没堵过",
        "家里的水管没有漏水了",
        "the sink hasn't clogged since you fixed it, thanks",
        # 没 after 了 or 过 at the end of a clause asks yes or no
        "昨晚那个电视剧你看了没",
        "上周那场比赛你看了没",
        # a yes-no question about the listener
        "你会说英语吗",
        "你是志愿者吗",
        "你吃饭了吗",
        # remarks on a scene, on the food
        "今天社区食堂人好多",
        "长者食堂的饭菜有点咸",
        "the canteen is so crowded today",
        # an exclamation, not a low mood
        "这雨下了一个礼拜了，烦死了",
        # pets named, help found elsewhere
        "我想养只狗",
        "帮我叫个出租车",
    ],
)
def test_talk_matches_nothing(matcher: Matcher, talk: str) -> None:
    assert matcher.match(talk) == [], talk


@pytest.mark.parametrize(
    ("need", "expected"),
    [
        ("马桶修了没几天又堵了", "DRAIN"),  # 没 before no trouble: still a lack
        ("热水器不冒热水了", "APPLIANCE"),  # 不冒 is a fault, not a negated 冒烟
        ("水管不断漏水", "PLUMB"),  # 不断: continually
        ("你会修马桶吗", "DRAIN"),  # asks the listener for a repair
        ("你是志愿者吗？我也想报名当志愿者", "VOLUNTEER"),  # the question about the listener is lifted
        ("食堂人太多了，能送饭上门吗", "MEAL"),  # a remark, then a request
        ("最近烦死了，想找人做心理疏导", "MENTAL"),
        ("去年中风了，现在不疼了，但是手脚不利索", "REHAB"),  # settled, then complained of again
        ("邻居养狗天天狗叫，吵得睡不着", "DISPUTE"),  # the trouble a pet causes
        ("孩子英语跟不上，想找人辅导", "TUTOR"),
        ("想借个轮椅", "RENTAL"),
        ("I can't afford my rent, my toilet is not working", "DRAIN"),
    ],
)
def test_close_real_needs_are_still_matched(matcher: Matcher, need: str, expected: str) -> None:
    assert expected in [m.service_id for m in matcher.match(need)], need


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("马桶再也没堵过", PLAIN),  # a negated trouble asks for nothing
        ("你看了没", QUESTION),  # yes-no 没, no lack
        ("吃没吃饭", QUESTION),  # 没 between a verb and itself
        ("腿脚不太方便", NEED),  # 不太: a degree, not a negation
        ("家里没人做饭", NEED),  # 没人: a lack
        ("你会说英语吗", PLAIN),  # about the listener: talk
        ("你是社工吗？我家老人需要人照顾", NEED),
    ],
)
def test_what_a_message_does(analyzer: Analyzer, text: str, mode: str) -> None:
    assert analyzer.read(text).mode == mode, text


def test_cue_reading_of_negations_and_listener_questions() -> None:
    cues = CueLexicon.load()
    negated = read_clause("到现在都没堵过", cues)
    assert not negated.asks and set(negated.frames) == {NEGATED}
    assert negated.settles  # a trouble negated ends a story ("上个月…堵了，现在没堵了")
    assert read_clause("腿不疼了，但是走不动", cues).asks
    asked = read_clause("你看了没", cues)
    assert asked.questions and not asked.asks and not any(asked.frames)
    assert cues.kinds["吗"] == YES_NO
    listener = read_clause("你会说英语吗", cues)
    assert set(listener.frames) == {LISTENER} and not listener.questions
    assert not any(read_clause("你知道哪里能量血压吗", cues).frames)  # asks where: not about the listener


def test_words_of_a_negated_trouble_are_only_mentioned(analyzer: Analyzer) -> None:
    concepts = {f.label: f.incidental for f in analyzer.read("马桶再也没堵过").features if f.kind == "concept"}
    assert concepts["马桶"] and concepts["堵"]


def test_a_sound_alike_does_not_cut_a_term_of_the_need(analyzer: Analyzer) -> None:
    # 的水 sounds like 滴水 (a leak), but 水 here belongs to 水管.
    labels = [f.label for f in analyzer.read("家里的水管好好的").features if f.kind == "fuzzy_concept"]
    assert not any(label.startswith("的水") for label in labels)
    # A typo standing alone is still one.
    assert any(f.kind == "fuzzy_concept" for f in analyzer.read("马通堵了").features)


def test_pets_are_things_and_taxis_are_help_found_elsewhere(analyzer: Analyzer) -> None:
    roles = {f.label: f.role for f in analyzer.read("我想养狗").features if f.kind == "concept"}
    assert roles["养狗"] == "things"
    labels = [f.label for f in analyzer.read("帮我叫个出租车").features if f.kind == "concept"]
    assert "出租" not in labels and "出租车" in labels
