"""The command line's words come from the catalogues, Chinese first, with no token, database or valid settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.cli_text import both, cli_i18n


@pytest.fixture(autouse=True)
def fresh_catalogues() -> Iterator[None]:
    cli_i18n.cache_clear()
    yield
    cli_i18n.cache_clear()


def test_chinese_first_then_english() -> None:
    assert both("cli.cannot_read") == "无法读取文件 / cannot read file"
    assert both("cli.match.column_score", sep=" ") == "分数 Score"
    assert both("cli.catalog.valid", count=3) == "检查通过：3 项服务 / file is valid: 3 services"


def test_said_once_where_the_languages_agree() -> None:
    assert both("demo.name.tom") == "Tom"


def test_loads_even_when_the_settings_are_broken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SANSHE_BOT_TOKEN", raising=False)
    monkeypatch.setenv("SANSHE_ADMIN_IDS", "not a number")  # "invalid setting" must still be said
    assert both("cli.run.invalid_setting") == "设置有误 / invalid setting"
