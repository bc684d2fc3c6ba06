"""Typed amounts become exact integer fen, or a message key that says what is wrong; fen are shown the Chinese
way."""

from __future__ import annotations

import pytest

from core.money import MAX_FEN, MoneyError, format_fen, format_wan, parse_fen, split_amount


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("12.5万", 12_500_000),
        ("12.5万元", 12_500_000),
        ("¥3,000.50", 300_050),
        ("￥3，000.50", 300_050),
        ("3000元", 300_000),
        ("3000块", 300_000),
        ("３０００", 300_000),  # full-width digits
        ("0.01", 1),
        ("1.5千", 150_000),
        ("2亿", 20_000_000_000),
        (" 800 ", 80_000),
        ("人民币5000元整", 500_000),
    ],
)
def test_amounts_are_read_exactly(typed: str, fen: int) -> None:
    assert parse_fen(typed) == fen


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("0.001", "fund.money_fraction_of_fen"),
        ("3,000.505", "fund.money_fraction_of_fen"),
        ("0.0000001万", "fund.money_fraction_of_fen"),
        ("-5", "fund.money_negative"),
        ("0", "fund.money_zero"),
        ("0.00元", "fund.money_zero"),
        ("200亿", "fund.money_too_large"),
        ("abc", "fund.money_unreadable"),
        ("", "fund.money_unreadable"),
        ("3万5", "fund.money_unreadable"),
        ("1e5", "fund.money_unreadable"),
        ("NaN", "fund.money_unreadable"),
        ("12..5", "fund.money_unreadable"),
    ],
)
def test_bad_amounts_are_refused_with_the_reason(typed: str, key: str) -> None:
    with pytest.raises(MoneyError) as refused:
        parse_fen(typed)
    assert refused.value.key == key


def test_zero_and_negative_only_where_allowed() -> None:
    assert parse_fen("0", allow_zero=True) == 0
    assert parse_fen("-12.5", allow_negative=True) == -1250
    assert parse_fen(f"{MAX_FEN // 100}") == MAX_FEN


def test_formatting_the_chinese_way() -> None:
    assert format_fen(1_234_500) == "¥12,345.00"
    assert format_fen(5) == "¥0.05"
    assert format_fen(-100) == "-¥1.00"
    assert format_wan(12_345_600) == "12.35万元"
    assert format_wan(100_000_000) == "100万元"
    assert format_wan(300_050) == "3,000.50元"
    assert format_wan(300_000) == "3,000元"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("1,5万", "fund.money_unreadable"),  # a comma only between groups of three: never 15万
        ("1,50", "fund.money_unreadable"),
        ("12,3456", "fund.money_unreadable"),
        ("1.00000000000000000000000000001万", "fund.money_fraction_of_fen"),  # not rounded to 1万 (28 digits)
        ("1" * 41, "fund.money_unreadable"),
    ],
)
def test_separators_only_between_thousands_and_nothing_is_rounded(typed: str, key: str) -> None:
    with pytest.raises(MoneyError) as refused:
        parse_fen(typed)
    assert refused.value.key == key


def test_an_amount_with_spaces_and_the_words_after_it() -> None:
    assert parse_fen("5 万元") == 5_000_000 and parse_fen("3 000") == 300_000 and parse_fen("1,000,000") == 100_000_000
    assert split_amount("5 万元 首批") == (5_000_000, "首批")
    assert split_amount("5万 第一期") == (5_000_000, "第一期")
    assert split_amount("3000 2号楼") == (300_000, "2号楼")
    assert split_amount("3000 2 次") == (300_000, "2 次")  # never 30002
    with pytest.raises(MoneyError) as refused:
        split_amount("三千块 材料")
    assert refused.value.key == "fund.money_unreadable"
