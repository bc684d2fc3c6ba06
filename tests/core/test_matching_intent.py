"""The lexical channel (semantic=False): requests for help versus talk that names a service's word: cues,
frames, roles and word boundaries.

A small catalogue written here, so these tests do not move with tests/data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalog import ServiceEntry
from core.matching import Matcher, load_synonyms
from core.matching.analyzer import INQUIRY, NEED, PLAIN, QUESTION, Analyzer
from core.matching.cues import CueLexicon, load_roles, read_sections
from core.matching.scoring import calibrated_score
from core.matching.segment import max_match, whole_terms
from tests.core.matching_helpers import top_id

CATALOGUE = [
    ServiceEntry("MEAL", "助餐送餐上门", "elderly", "为行动不便的老人每天送午餐上门", ("送餐", "助餐", "送饭上门")),
    ServiceEntry("CANTEEN", "长者食堂", "elderly", "老年食堂提供午餐和晚餐", ("老年食堂", "长者饭堂")),
    ServiceEntry("VISIT", "独居老人探访", "elderly", "志愿者上门探望独居老人，陪聊天", ("独居老人", "陪聊天")),
    ServiceEntry(
        "PHONE", "老年人智能手机教学", "elderly", "教老人用智能手机：微信视频、手机支付", ("智能手机", "老人学手机")
    ),
    ServiceEntry("DRAIN", "管道疏通", "housekeeping", "疏通厨房下水道、洗菜池、马桶、地漏", ("管道疏通", "马桶堵了")),
    ServiceEntry(
        "ELECTRIC", "水电维修", "housekeeping", "维修漏水的水管，电路跳闸、插座、灯泡", ("水电维修", "跳闸", "插座")
    ),
    ServiceEntry(
        "APPLIANCE", "家电维修", "housekeeping", "上门维修空调、洗衣机、冰箱、电视", ("家电维修", "空调", "冰箱")
    ),
    ServiceEntry("CLEAN", "家政保洁", "housekeeping", "钟点工日常保洁、大扫除、擦玻璃", ("家政", "保洁", "大扫除")),
    ServiceEntry("HAIR", "上门助浴理发", "elderly", "上门为老人洗澡、理发、个人清洁", ("助浴", "理发")),
    ServiceEntry("CHECKUP", "健康体检", "health", "免费测血压、血糖，老人免费体检", ("健康体检", "免费体检")),
    ServiceEntry("TRAINING", "职业技能培训", "employment", "育婴师、电工、电脑操作培训", ("技能培训", "电脑培训")),
    ServiceEntry("CHILDCARE", "儿童托管", "children", "寒暑假、周末全天儿童托管", ("儿童托管", "看孩子")),
    ServiceEntry("DONATE", "爱心物资捐赠", "affairs", "接收居民捐赠的旧衣物、书籍", ("捐赠", "旧衣服")),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build(CATALOGUE, semantic=False)


def concepts(analyzer: Analyzer, text: str) -> dict[str, bool]:
    """Concept labels of a need → whether the need only mentions them (incidental)."""
    return {f.label: f.incidental for f in analyzer.read(text).features if f.kind == "concept"}


@pytest.mark.parametrize(
    "talk",
    [
        # thanks for past help, praise of it
        "谢谢你们上次帮我修好了水管",
        "上次你们修水管修得很好，谢谢",
        "昨天志愿者来看我了，很感谢",
        "thanks for fixing my sink last week",
        # shopping
        "哪里有卖手机的",
        "想买台新冰箱，哪个牌子好",
        "电视机现在多少钱一台",
        "I bought a new phone",
        # news and hearsay
        "新闻说老人摔倒没人扶",
        "听说东塘社区那边又在修路",
        "电视上说今年退休金又要涨了",
        # supposing
        "如果我中了彩票，就全部捐给你们",
        # family chit-chat
        "我孙子今天考试考得好",
        "孩子上学去了",
        "我老伴做饭很好吃",
        # weather
        "今天好热啊，空调开了一整天",
        "明天要降温了，记得多穿衣服",
        # remarks on one's kin, praise
        "我爸每天早上去公园打太极",
        "我女儿在学电脑，学得还可以",
        "I like dancing",
        # told of yesterday, thanked for
        "志愿者昨天帮我修好了灯，真谢谢他",
        # help that is found elsewhere: 医院 in 宠物医院 is no hospital visit
        "猫生病了，附近有宠物医院吗",
    ],
)
def test_talk_that_names_a_service_word_matches_nothing(matcher: Matcher, talk: str) -> None:
    assert matcher.match(talk) == [], talk


@pytest.mark.parametrize("word", ["老人", "孩子", "老年人", "小朋友", "手机"])
def test_a_lone_generic_word_matches_nothing(matcher: Matcher, word: str) -> None:
    assert matcher.match(word) == []


@pytest.mark.parametrize(
    "device_talk",
    [
        "手机没电了",  # 没电 is a household outage only when no other thing is named
        "我的手机屏幕摔碎了",  # a phone class is no answer to a broken phone
        "我家电脑中病毒了怎么办",  # 家电 is not in 我家|电脑, and computer training fixes no computer
        "你是真人还是电脑",
    ],
)
def test_troubles_with_things_no_service_fixes_match_nothing(matcher: Matcher, device_talk: str) -> None:
    assert matcher.match(device_talk) == [], device_talk


@pytest.mark.parametrize(
    ("need", "expected"),
    [
        ("厨房下水道堵了", "DRAIN"),
        ("马桶堵了", "DRAIN"),
        ("空调不制冷了", "APPLIANCE"),  # a thing with a fault: the repair service
        ("洗衣机漏水了", "APPLIANCE"),  # not the plumber: he holds no washing machine
        ("我爸不会用手机", "PHONE"),  # not knowing how: the phone class
        ("手机怎么付钱啊，谁能教教我", "PHONE"),
        ("你好，我想问下能不能帮忙送饭", "MEAL"),
        ("谢谢上次帮忙修水管。这次是厨房的洗菜池又堵了", "DRAIN"),  # thanks for the past, asks anew
        ("我今年66岁，听说可以免费体检，在哪里做", "CHECKUP"),  # heard of it, asks where
        ("过年前想请人来家里大扫除", "CLEAN"),  # 来家里 says where, 大扫除 what
        ("以前有人来家里打扫，现在没人来了", "CLEAN"),  # told of the past, the trouble is now
        ("学校放学了，我六点才下班，孩子寒假没人看", "CHILDCARE"),  # a story around the need
        ("我家电视坏了", "APPLIANCE"),  # 我家|电视: the word boundary does not hide the TV
        ("家里有些旧衣服想捐出去", "DONATE"),
        ("新手爸妈 长者食堂", "CANTEEN"),  # a bare topic
        ("wheelchair rental? meals for my grandma", "MEAL"),
        ("马桶赌了", "DRAIN"),  # a trouble typed with the wrong character of the right sound
        ("爸妈都在上班，孩子暑假没人带", "CHILDCARE"),  # kin named in a need: still a need
        ("My grandpa can't use his smartphone", "PHONE"),  # not knowing how
        ("I'd like to donate some old clothes", "DONATE"),
    ],
)
def test_real_needs_are_still_matched(matcher: Matcher, need: str, expected: str) -> None:
    assert top_id(matcher, need) == expected, need


def test_a_word_straddling_two_words_is_no_term(analyzer: Analyzer) -> None:
    assert "家电" not in concepts(analyzer, "我家电脑中病毒了")
    assert "电脑" in concepts(analyzer, "我家电脑中病毒了")
    assert "家电维修" in concepts(analyzer, "家电维修")
    # One-character terms inside an everyday word are not meant: 装修 is no repair, 麻烦 no low mood.
    assert "修" not in concepts(analyzer, "楼上装修")
    assert "烦" not in concepts(analyzer, "麻烦帮我看看")


def test_segmentation_keeps_a_term_either_direction_leaves_whole() -> None:
    lexicon = {"我家", "家电", "电脑", "水下", "下不去", "下水"}
    assert max_match("我家电脑", lexicon, 3) == [(0, 2), (2, 4)]
    assert max_match("水下不去", lexicon, 3, backward=True) == [(0, 1), (1, 4)]
    words = (max_match("我家电脑", lexicon, 3), max_match("我家电脑", lexicon, 3, backward=True))
    assert whole_terms("我家电脑", [(1, 3), (2, 4)], words, lexicon) == [(2, 4)]
    words = (max_match("水下不去", lexicon, 3), max_match("水下不去", lexicon, 3, backward=True))
    assert (1, 4) in whole_terms("水下不去", [(1, 4)], words, lexicon)  # the backward pass keeps 下不去


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("空调不制冷了", NEED),  # a trouble
        ("想借个轮椅", NEED),  # a request
        ("浴室要装扶手", NEED),  # 要 + verb: wanted
        ("能上门理发吗", NEED),  # a modal and 吗 ask for something
        ("老年证在哪办", INQUIRY),  # asks where, about a kind of help
        ("你们几点下班", QUESTION),  # asks when, about no kind of help
        ("新手爸妈育儿讲座", PLAIN),  # a bare topic
        ("明天要降温了", PLAIN),  # 要…了: about to happen, not wanted
        ("我孙子今天考试考得好", PLAIN),
    ],
)
def test_what_a_message_does(analyzer: Analyzer, text: str, mode: str) -> None:
    assert analyzer.read(text).mode == mode


def test_framed_words_are_only_mentioned(analyzer: Analyzer) -> None:
    assert concepts(analyzer, "新闻说老人摔倒没人扶")["摔倒"]  # reported
    assert concepts(analyzer, "听说可以免费体检，是真的吗")["免费体检"]  # wondering whether it is true
    assert not concepts(analyzer, "听说可以免费体检，在哪里做")["免费体检"]  # asking where
    assert concepts(analyzer, "昨天志愿者来看我了，很感谢")["志愿者"]  # a lone thank-you thanks for it
    assert not concepts(analyzer, "能上门理发吗，谢谢")["理发"]  # a closing thank-you
    assert concepts(analyzer, "如果我中了彩票，就全部捐给你们")["捐"]  # the supposition carries on
    thanks_then_need = concepts(analyzer, "谢谢上次帮忙修水管。这次是厨房的洗菜池又堵了")
    assert thanks_then_need["水管"] and not thanks_then_need["洗菜池"]


def test_terms_inside_help_found_elsewhere_do_not_count(analyzer: Analyzer) -> None:
    assert [label for label in concepts(analyzer, "附近有宠物医院吗") if "医院" in label] == ["宠物医院"]
    assert "去医院" in concepts(analyzer, "想找人陪我去医院")


def test_people_and_things_carry_their_roles(analyzer: Analyzer) -> None:
    roles = {f.label: f.role for f in analyzer.read("陪老人修空调 上门").features if f.kind == "concept"}
    assert roles["老人"] == "people" and roles["空调"] == "things" and roles["上门"] == "manner"
    assert {f.label: f.role for f in analyzer.read("换灯泡").features if f.kind == "concept"}["换灯泡"] == ""


def test_a_need_that_asks_nothing_must_be_about_the_service_throughout() -> None:
    # The same evidence and coverage score lower when the message asks for nothing.
    assert calibrated_score(3.0, 0.3, mode=PLAIN) < calibrated_score(3.0, 0.3, mode=QUESTION)
    assert calibrated_score(3.0, 0.3, mode=QUESTION) < calibrated_score(3.0, 0.3, mode=INQUIRY)
    assert calibrated_score(3.0, 0.3, mode=INQUIRY) < calibrated_score(3.0, 0.3, mode=NEED)
    assert calibrated_score(3.0, 1.0, mode=PLAIN) == calibrated_score(3.0, 1.0, mode=NEED)


def test_cue_and_role_files_are_staff_editable(tmp_path: Path) -> None:
    cues = tmp_path / "cues.txt"
    cues.write_text("# comment\n[ask]\n想 请\n[trouble]\n坏 # broken\n", encoding="utf-8")
    assert read_sections(cues) == {"ask": ["想", "请"], "trouble": ["坏"]}
    assert CueLexicon.load(cues).kinds == {"想": "ask", "请": "ask", "坏": "trouble"}
    cues.write_text("[wishful]\n想\n", encoding="utf-8")
    with pytest.raises(ValueError, match="wishful"):
        CueLexicon.load(cues)
    roles = tmp_path / "roles.txt"
    roles.write_text("[people]\n老人*\n[things]\n手机 washing_machine\n", encoding="utf-8")
    loaded = load_roles(load_synonyms(), roles)
    assert loaded["老年人"] == "people" and loaded["手机"] == "things" and loaded["wash machine"] == "things"
