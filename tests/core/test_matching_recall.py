"""The lexical channel (semantic=False).

Plainly worded needs are needs: troubles stated without 想/请, split words, sound-alike typos, faults of
things, English in the past tense — and the talk that must still match nothing.

A small catalogue written here, so these tests do not move with tests/data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalog import ServiceEntry
from core.matching import Matcher, load_synonyms
from core.matching.analyzer import NEED, PLAIN, Analyzer, blurred
from core.matching.cues import TROUBLE, CueLexicon, load_roles
from tests.core.matching_helpers import top_id

CATALOGUE = [
    ServiceEntry("CANTEEN", "长者食堂", "elderly", "老年食堂提供午餐和晚餐", ("老年食堂", "长者饭堂")),
    ServiceEntry("VISIT", "独居老人探访", "elderly", "志愿者上门探望独居老人，陪聊天", ("独居老人", "陪聊天")),
    ServiceEntry("BATH", "上门助浴理发", "elderly", "上门为老人洗澡、理发、剪指甲", ("助浴", "理发", "上门洗澡")),
    ServiceEntry(
        "PHONE", "老年人智能手机教学", "elderly", "教老人用智能手机：微信视频、手机支付", ("智能手机", "老人学手机")
    ),
    ServiceEntry("AUTISM", "特殊儿童康复支持", "disabled", "为自闭症、发育迟缓儿童提供康复训练", ("自闭症", "孤独症")),
    ServiceEntry("DRAIN", "管道疏通", "housekeeping", "疏通厨房下水道、洗菜池、马桶、地漏", ("管道疏通", "马桶堵了")),
    ServiceEntry(
        "ELECTRIC", "水电维修", "housekeeping", "维修漏水的水管，电路跳闸、插座、灯泡", ("水电维修", "跳闸", "插座")
    ),
    ServiceEntry(
        "APPLIANCE", "家电维修", "housekeeping", "上门维修空调、洗衣机、冰箱、电视", ("家电维修", "空调", "冰箱")
    ),
    ServiceEntry("MEDIATE", "纠纷调解", "legal", "调解邻里噪音、占道堆物、宠物扰民", ("调解", "邻里矛盾", "噪音扰民")),
    ServiceEntry("JOBS", "就业指导", "employment", "帮助失业居民找工作、写简历", ("就业指导", "找工作")),
    ServiceEntry("VOLUNTEER", "志愿者报名", "affairs", "欢迎居民报名成为社区志愿者", ("志愿者", "义工")),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build(CATALOGUE, semantic=False)


def concepts(analyzer: Analyzer, text: str) -> set[str]:
    return {f.label for f in analyzer.read(text).features if f.kind == "concept"}


@pytest.mark.parametrize(
    ("need", "expected"),
    [
        # a trouble stated plainly: trouble words (roles.txt) are a need signal without 想/请
        ("我儿子有自闭症", "AUTISM"),
        ("楼道里堆满了杂物", "MEDIATE"),
        ("家里就剩我一个人", "VISIT"),
        # 了 after a problem verb is no talk
        ("灯泡烧了", "ELECTRIC"),
        # a past trouble, then how things are now; a trouble of the recent past that nothing settles
        ("去年老伴走了，现在家里就剩我一个", "VISIT"),
        ("上个月失业了", "JOBS"),
        # a split word (离合词) is the word
        ("我妈洗不了澡", "BATH"),
        # the thing bought is what the request is about
        ("孩子给我买了个新手机，什么都不会用", "PHONE"),
        # sounds many speakers do not tell apart (zh/z)
        ("想当自愿者", "VOLUNTEER"),
        # a fault with the thing it is in, even as bare keywords
        ("空调 维修", "APPLIANCE"),
        # the fault told of the past, the request now names only the repair
        ("上周洗衣机坏了，到现在还没修好", "APPLIANCE"),
        # English tells a present trouble in the past tense
        ("the toilet got clogged yesterday", "DRAIN"),
        ("my washing machine stopped working", "APPLIANCE"),
        ("is there a cheap canteen for seniors nearby", "CANTEEN"),
    ],
)
def test_plainly_worded_needs_are_matched(matcher: Matcher, need: str, expected: str) -> None:
    assert top_id(matcher, need) == expected, need


@pytest.mark.parametrize(
    "talk",
    [
        # a request verb with an aspect marker tells what was done
        "我们家请了钟点工",
        "昨天刚换了新的水龙头",
        "空调刚装好",
        # a fault of something no repair service fixes
        "门锁坏了",
        "自行车坏了",
        "my car broke down",
        # a past trouble that is over
        "上个月摔了一跤，现在没事了",
        "前年我老伴中风，后来慢慢都好了",
        # shopping stays shopping
        "想买台新冰箱，哪个牌子好",
    ],
)
def test_talk_still_matches_nothing(matcher: Matcher, talk: str) -> None:
    assert matcher.match(talk) == [], talk


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("孩子有自闭症", NEED),  # a trouble word
        ("想请个钟点工", NEED),
        ("我们家请了钟点工", PLAIN),  # 请了: done
        ("空调刚装好", PLAIN),
        ("去年老伴走了，现在家里就我一个", NEED),  # now, after a past trouble
        ("上个月摔了一跤，现在没事了", PLAIN),  # all is well now
        ("上个月失业了", NEED),  # the recent past, nothing settles it
        ("以前失业过", PLAIN),  # the past
        ("前年我老伴中风，后来慢慢都好了", PLAIN),
    ],
)
def test_what_a_plain_statement_does(analyzer: Analyzer, text: str, mode: str) -> None:
    assert analyzer.read(text).mode == mode


def test_split_words_are_found_only_where_their_pieces_are_words(analyzer: Analyzer) -> None:
    assert "洗澡" in concepts(analyzer, "我妈洗不了澡")
    assert "理发" in concepts(analyzer, "想理个发")
    assert "理发" not in concepts(analyzer, "处理不了发票")  # 理 ends 处理


def test_blurred_sounds() -> None:
    assert blurred("zhi yuan zhe") == blurred("zi yuan zhe")
    assert blurred("nan") == blurred("lan") and blurred("sheng") == blurred("sen")
    assert blurred("zhong") != blurred("zhang")


def test_trouble_words_of_the_roles_file_are_trouble_cues(tmp_path: Path, analyzer: Analyzer) -> None:
    roles = tmp_path / "roles.txt"
    roles.write_text("[trouble]\n自闭症*\n[fault]\n维修*\n", encoding="utf-8")
    loaded = load_roles(load_synonyms(), roles)
    assert loaded["孤独症"] == "trouble" and loaded["坏了"] == "fault"
    assert CueLexicon({"想": "ask"}).with_words(["想", "孤独症"], TROUBLE).kinds == {"想": "ask", "孤独症": TROUBLE}
    assert analyzer.cues.kinds["自闭症"] == TROUBLE
