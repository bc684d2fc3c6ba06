"""Text handling under the matcher: normalisation, stop words, English, sound-alikes, focus."""

from __future__ import annotations

import pytest

from core.matching import load_synonyms, normalize_text
from core.matching.analyzer import Analyzer
from core.matching.english import stem_english


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Ｈｅｌｌｏ，ＷＯＲＬＤ！", "hello world"),  # full width → half width, case folded
        ("醫院門口還有車嗎？", "医院门口还有车吗"),  # traditional → simplified
        ("下水道堵了！！😭😭", "下水道堵了"),  # punctuation and emoji are breaks
        ("  送饭\t\n上门  ", "送饭 上门"),
        ("washing_machine—broken", "washing machine broken"),
        ("４点半", "4点半"),
    ],
)
def test_normalize_text(raw: str, normalized: str) -> None:
    assert normalize_text(raw) == normalized


@pytest.mark.parametrize(
    "chit_chat", ["你好", "谢谢你们", "在吗？", "好的，收到", "请问一下", "hello there", "thanks a lot"]
)
def test_messages_of_only_stop_words_have_no_features(analyzer: Analyzer, chit_chat: str) -> None:
    assert analyzer.analyze(chit_chat, query=True) == []


def test_stop_words_inside_a_synonym_term_are_kept(analyzer: Analyzer) -> None:
    labels = {f.label for f in analyzer.analyze("想有个人来说说话", query=True) if f.kind == "concept"}
    assert "说说话" in labels


def test_one_character_term_inside_a_longer_term_is_ignored(analyzer: Analyzer) -> None:
    quarrel = {f.keys[0] for f in analyzer.analyze("我和老公天天吵架", query=True) if f.kind == "concept"}
    noise = {f.keys[0] for f in analyzer.analyze("楼上吵", query=True) if f.kind == "concept"}
    assert noise and not noise & quarrel


@pytest.mark.parametrize(
    ("word", "stem"),
    [("pipes", "pipe"), ("leaking", "leak"), ("blocked", "block"), ("shopping", "shop"), ("bus", "bus")],
)
def test_english_stemming(word: str, stem: str) -> None:
    assert stem_english(word) == stem


def test_english_phrases_and_words_map_to_chinese_groups(analyzer: Analyzer) -> None:
    synonyms = load_synonyms()
    features = analyzer.analyze("my washing machine is broken", query=True)
    groups = {f.keys[0] for f in features if f.kind == "concept"}
    assert {f"G{g}" for g in synonyms.groups_of("洗衣机")} & groups
    assert {f"G{g}" for g in synonyms.groups_of("维修")} & groups


def test_sound_alikes_need_a_shared_character(analyzer: Analyzer) -> None:
    typo = [f.label for f in analyzer.analyze("有没有人赔同我去", query=True) if f.kind == "fuzzy_concept"]
    assert "赔同→陪同" in typo
    # 屋里 sounds like 物理 (physics) but shares no character with it: a real word, not a typo.
    assert not [f for f in analyzer.analyze("屋里太乱", query=True) if f.kind == "fuzzy_concept"]


def test_services_get_no_sound_alikes_or_skip_pairs(analyzer: Analyzer) -> None:
    kinds = {f.kind for f in analyzer.analyze("送个盒饭，赔同看病")}
    assert "fuzzy_concept" not in kinds and "skip_bigram" not in kinds
    query_kinds = {f.kind for f in analyzer.analyze("送个盒饭，赔同看病", query=True)}
    assert {"fuzzy_concept", "skip_bigram"} <= query_kinds


def test_words_after_a_request_word_are_the_focus(analyzer: Analyzer) -> None:
    features = {f.label: f.salience for f in analyzer.analyze("我退休了有空，想当志愿者", query=True)}
    assert features["当志愿者"] > features["退休"]


def test_a_thank_you_clause_counts_less(analyzer: Analyzer) -> None:
    features = {f.label: f.salience for f in analyzer.analyze("谢谢上次修水管。洗菜池又堵了", query=True)}
    assert features["水管"] < features["洗菜池"]
