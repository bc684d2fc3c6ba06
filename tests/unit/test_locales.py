"""Every language has every key, with the same placeholders; every key the code uses exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.i18n import I18n, placeholders

LOCALES_DIR = PROJECT_ROOT / "locales"


@pytest.fixture(scope="module")
def i18n() -> I18n:
    from zoneinfo import ZoneInfo

    return I18n.load(LOCALES_DIR, "zh_CN", ZoneInfo("Asia/Shanghai"))


def test_chinese_and_english_are_there(i18n: I18n) -> None:
    assert i18n.locales[:2] == ["zh_CN", "en"]


def test_every_language_has_every_key(i18n: I18n) -> None:
    reference = set(i18n.keys("zh_CN"))
    for locale in i18n.locales:
        keys = set(i18n.keys(locale))
        assert keys == reference, f"{locale}: missing {reference - keys}, extra {keys - reference}"


def test_every_language_has_every_plural_key_with_all_its_forms(i18n: I18n) -> None:
    reference = set(i18n.plural_keys("zh_CN"))
    assert reference  # the plural entries are read at all
    for locale in i18n.locales:
        catalogue = i18n.plural_catalogues[locale]
        keys = set(i18n.plural_keys(locale))
        assert keys == reference, f"{locale}: missing {reference - keys}, extra {keys - reference}"
        assert not keys & set(i18n.keys(locale)), f"{locale}: a key is both plain and plural"
        for key in keys:
            forms = catalogue.plurals[key]
            assert len(forms) == catalogue.num_plurals and all(forms), f"{locale} {key}: {forms}"
    assert i18n.plural_catalogues["zh_CN"].num_plurals == 1 and i18n.plural_catalogues["en"].num_plurals == 2


def test_placeholders_agree_across_languages_in_every_plural_form(i18n: I18n) -> None:
    for key in i18n.plural_keys("zh_CN"):
        expected = placeholders(i18n.plural_catalogues["zh_CN"].plurals[key][0])
        for locale in i18n.locales:
            for form in i18n.plural_catalogues[locale].plurals[key]:
                assert placeholders(form) == expected, f"{locale} {key}: {form!r} has not {expected}"


def test_english_counts_take_the_right_form(i18n: I18n) -> None:
    en, zh = i18n.translator("en"), i18n.translator("zh_CN")
    assert en.plural("needs.age_days_n", 1, n=1) == "1 day"
    assert en.plural("needs.age_days_n", 0, n=0) == "0 days"
    assert en.plural("needs.age_days_n", 21, n=21) == "21 days"
    assert zh.plural("needs.age_days_n", 1, n=1) == "1 天" and zh.plural("needs.age_days_n", 2, n=2) == "2 天"


def test_a_plural_entry_without_all_its_forms_fails_loading(tmp_path: Path) -> None:
    from bot.i18n import CatalogueError, read_catalogue

    po = tmp_path / "x.po"
    po.write_text('msgid ""\nmsgstr ""\n"Language: en\\n"\n\nmsgid "a.b"\nmsgid_plural "a.b"\nmsgstr[0] "one"\n',
                  encoding="utf-8")  # fmt: skip
    with pytest.raises(CatalogueError):
        read_catalogue(po)


def test_placeholders_agree_across_languages(i18n: I18n) -> None:
    for key in i18n.keys("zh_CN"):
        expected = placeholders(i18n.catalogues["zh_CN"][key])
        for locale in i18n.locales:
            got = placeholders(i18n.catalogues[locale][key])
            assert got == expected, f"{locale} {key}: placeholders {got} != {expected}"


# t("…"), turn.t("…"), translator(…)("…"), i18n.matches("…") and the command line's both("…"); t.plural("…", n).
_KEY_USE = re.compile(r"""(?:\bt|turn\.t|\)|matches|\bboth)\(\s*f?["']([a-z_]+\.[a-z_.{}]+)["']""")
_PLURAL_USE = re.compile(r"""\.plural\(\s*f?["']([a-z_]+\.[a-z_.{}]+)["']""")


def _keys_used_in_code(pattern: re.Pattern[str] = _KEY_USE) -> set[str]:
    used: set[str] = set()
    for folder in ("handlers", "bot", "core"):
        for path in Path(PROJECT_ROOT / folder).rglob("*.py"):
            used.update(pattern.findall(path.read_text(encoding="utf-8")))
    return used


def test_every_plural_key_used_in_code_exists_with_plural_forms(i18n: I18n) -> None:
    known = set(i18n.plural_keys("zh_CN"))
    used = _keys_used_in_code(_PLURAL_USE)
    assert {"announce.preview_n", "export.needs_caption"} <= used  # the scan itself works
    for key in used:
        assert key in known, f"{key} is used with t.plural but has no plural entry"


def test_every_key_used_in_code_exists(i18n: I18n) -> None:
    known = set(i18n.keys("zh_CN"))
    used = _keys_used_in_code()
    assert len(used) > 30  # the scan itself works
    assert {"cli.cannot_read", "cli.match.need", "demo.press"} <= used  # both("…") and the demo's t("…") too
    for key in used:
        if "{" in key:  # f-string families such as kind.{…}: at least one member must exist
            prefix = key.split("{", 1)[0]
            assert any(k.startswith(prefix) for k in known), key
        else:
            assert key in known, f"{key} is used in code but missing from the catalogues"


def test_a_missing_translation_fails_loading(tmp_path: Path) -> None:
    from bot.i18n import CatalogueError, load_catalogue

    po = tmp_path / "x.po"
    po.write_text('msgid ""\nmsgstr ""\n\nmsgid "a.b"\nmsgstr ""\n', encoding="utf-8")
    with pytest.raises(CatalogueError):
        load_catalogue(po)


def test_guess_locale_and_typed_button_matching(i18n: I18n) -> None:
    assert i18n.guess_locale("zh-hans") == "zh_CN"
    assert i18n.guess_locale("en-GB") == "en"
    assert i18n.guess_locale("ru") == "zh_CN"
    assert i18n.guess_locale(None) == "zh_CN"
    assert i18n.matches("menu.ask_help", "求助")
    assert i18n.matches("menu.ask_help", "ask for help!")
    assert not i18n.matches("menu.ask_help", "求")


def test_numbers_and_dates_the_chinese_way(i18n: I18n) -> None:
    from datetime import UTC, datetime

    t = i18n.translator("zh_CN")
    assert t.number(4000) == "4,000"
    assert t.datetime(datetime(2026, 11, 28, 2, 16, tzinfo=UTC)) == "2026年11月28日 10:16"
    assert i18n.translator("en").datetime(datetime(2026, 11, 28, 2, 16, tzinfo=UTC)).startswith("November 28, 2026")
