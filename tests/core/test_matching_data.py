"""The matching engine's data files: the dialect table, the example bank, and the shipped derived files (bank
vectors, the bank sections made from the needs sets, the fitted gate) kept in step with their sources."""

from __future__ import annotations

import json

import pytest

from core.matching.bank import default_bank, parse_sections
from core.matching.dialect import DialectTable, default_dialect
from core.matching.encoder import default_encoder
from core.matching.gate import FEATURES, GATE_FILE, Gate, default_gate
from core.matching.semantic import _shipped, bank_vectors
from core.talk import talk_reply_key


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("我家娭毑冇得人照顧", "我家奶奶没有人照顾"),
        ("嗲嗲跶哒一跤", "爷爷摔了一跤"),
        ("我男客打流去哒", "我丈夫游手好闲去了"),
        ("伢子要恰饭", "孩子要吃饭"),
        ("申请低宝要什么材料", "申请低保要什么材料"),
        ("找无业公司", "找物业公司"),
        ("ＡＢＣ１２３", "ABC123"),
    ],
)
def test_dialect_and_slips_are_read_as_standard_words(written: str, meant: str) -> None:
    assert default_dialect().fold(written) == meant


@pytest.mark.parametrize("kept", ["我感冒了", "我是无业人员想找工作", "恰好路过", "莫名其妙"])
def test_ordinary_words_are_left_alone(kept: str) -> None:
    assert default_dialect().fold(kept) == kept


def test_a_deployment_table_adds_its_own_words() -> None:
    table = DialectTable({**default_dialect().pairs, "通渠": "管道疏通"})
    assert table.fold("要人通渠") == "要人管道疏通"


def test_sections_parse_with_headers_and_merge_by_name() -> None:
    text = "# a comment\n[开锁换锁]\ncategory: 家政维修\nterms: 开锁、换锁；锁芯\nservices: S1, S2\n"
    text += "钥匙锁屋里了\n\n进不去门\n"
    (section,) = parse_sections(text)
    assert section.category == "家政维修"
    assert section.terms == ("开锁", "换锁", "锁芯")
    assert section.services == ("S1", "S2")
    assert section.examples == ("钥匙锁屋里了", "进不去门")


def test_the_shipped_bank_is_wide_and_written_in_residents_words() -> None:
    bank = default_bank()
    assert len(bank.concepts) >= 100
    assert len(bank.example_texts) >= 3000
    assert len(bank.not_need_texts) >= 1000
    assert all(c.category for c in bank.concepts)


def test_the_shipped_vectors_are_those_of_the_shipped_bank() -> None:
    """Otherwise every start-up would encode the bank again (run python -m core.matching.build_vectors)."""
    shipped = _shipped()
    assert shipped is not None
    bank = default_bank().folded(default_dialect().fold)
    assert shipped[0] == f"{default_encoder().name}:{bank.fingerprint()}"
    assert bank_vectors(bank, default_encoder()) is shipped[1]


def test_the_shipped_gate_loads_and_refuses_a_file_for_other_features() -> None:
    gate = default_gate()
    assert gate.text is not None
    data = json.loads(GATE_FILE.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES)
    data["features"] = data["features"][:-1]
    with pytest.raises(ValueError, match="fit_gate"):
        Gate.from_json(data)


@pytest.mark.parametrize(
    ("text", "kind", "key"),
    [
        ("谢谢你们，辛苦了", "greeting_thanks_ack", "talk.thanks"),
        ("Thank you!", "", "talk.thanks"),
        ("你好", "greeting", "talk.greeting"),
        ("hi", "", "talk.greeting"),
        ("你是机器人吗", "botq", "talk.about_bot"),
        ("今天好热", "smalltalk", "talk.other"),
        ("好的", "ack", "talk.ack"),
    ],
)
def test_talk_gets_the_answer_of_its_kind(text: str, kind: str, key: str) -> None:
    assert talk_reply_key(kind, text) == key
