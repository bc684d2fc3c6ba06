"""Service categories: the built-in ones (codes with Chinese and English names) and those a community adds.

The built-in registry is the seed of the `categories` table (migration 0015) and what the matching engine and
the reports know by code. A catalogue file may name a built-in category by its code, its Chinese or English
name or a common alias (为老服务, 养老服务 → 为老); any other name is a new category, created by the import
(with a warning that lists it) and stored with that name as its code, so that it reads well wherever it is
shown. The city's pilot focus (elderly, children, disabled) comes first because menus and reports list
categories in registry order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    zh: str
    en: str

    def label(self) -> str:
        """Bilingual label, Chinese first, e.g. "为老 elderly"."""
        return f"{self.zh} {self.en}"

    @property
    def builtin(self) -> bool:
        return self.code in _BY_CODE


CATEGORIES: tuple[Category, ...] = (
    Category("elderly", "为老", "Elderly care"),
    Category("children", "扶幼", "Children"),
    Category("disabled", "助残", "Disability support"),
    Category("housekeeping", "家政维修", "Housekeeping & repairs"),
    Category("health", "医疗健康", "Health care"),
    Category("legal", "法律咨询", "Legal advice"),
    Category("mental", "心理关爱", "Mental health & care"),
    Category("employment", "就业帮扶", "Employment support"),
    Category("culture", "文体活动", "Culture & sports"),
    Category("affairs", "社区事务", "Community affairs"),
    Category("emergency", "应急救助", "Emergency relief"),
)

# What community offices call the same thing. A name that ends in 服务 or 类 is also tried without it
# (为老服务, 助残类), so only the stems are listed. 便民服务 is deliberately not here: it spans repairs
# (家政维修) and errands for residents (社区事务), so it stays a category of its own.
ALIASES: dict[str, str] = {
    **dict.fromkeys(("养老", "老年", "老人", "助老", "敬老", "居家养老", "elderly", "elderly care", "older people"),
                    "elderly"),
    **dict.fromkeys(("儿童", "少儿", "青少年", "未成年人", "托幼", "助幼", "儿童青少年", "children", "youth"),
                    "children"),
    **dict.fromkeys(("残疾人", "扶残", "残障", "助残扶残", "disability", "disabled"), "disabled"),
    **dict.fromkeys(("家政", "维修", "家政服务", "维修服务", "housekeeping", "repairs"), "housekeeping"),
    **dict.fromkeys(("健康", "医疗", "卫生", "医疗卫生", "卫生健康", "健康医疗", "health", "healthcare"), "health"),
    **dict.fromkeys(("法律", "法律援助", "普法", "法律咨询援助", "legal", "legal aid"), "legal"),
    **dict.fromkeys(("心理", "心理健康", "心理咨询", "心理疏导", "mental health"), "mental"),
    **dict.fromkeys(("就业", "就业创业", "创业就业", "就业援助", "employment", "jobs"), "employment"),
    **dict.fromkeys(("文体", "文化", "文化体育", "文娱", "体育", "文体娱乐", "culture"), "culture"),
    **dict.fromkeys(("政务", "居务", "社区政务", "affairs", "community affairs"), "affairs"),
    **dict.fromkeys(("应急", "救助", "社会救助", "救灾", "应急救援", "emergency"), "emergency"),
}  # fmt: skip

MAX_CATEGORY_LEN = 20  # a new category is a heading in the printed directory, not a sentence

_BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}
_SUFFIXES = ("服务", "类")
_SPACES = re.compile(r"\s+")


def category_key(value: str) -> str:
    """How two spellings of a category are compared: width and case folded, spaces squeezed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value).strip().casefold())


def clean_name(value: str) -> str:
    """A new category's name as it is stored: trimmed, full-width letters and digits folded, spaces squeezed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value).strip())


# Every spelling a spreadsheet author might type: code, Chinese name, English name, alias.
_LOOKUP: dict[str, Category] = {}
for _cat in CATEGORIES:
    for _spelling in (_cat.code, _cat.zh, _cat.en):
        _LOOKUP[category_key(_spelling)] = _cat
for _alias, _code in ALIASES.items():
    _LOOKUP.setdefault(category_key(_alias), _BY_CODE[_code])


def resolve_category(value: str) -> Category | None:
    """The built-in category named by a code, Chinese or English name or alias (any case, any width, with or
    without a trailing 服务 / 类), or None."""
    key = category_key(value)
    found = _LOOKUP.get(key)
    if found is None:
        for suffix in _SUFFIXES:
            stem = key.removesuffix(suffix).strip()
            if stem != key and stem:
                found = _LOOKUP.get(stem)
                if found is not None:
                    break
    return found


def category_by_code(code: str) -> Category:
    """The category with this code: a built-in one, or a category created from a catalogue file, whose code is
    its name (so 便民服务 reads 便民服务 in every language until someone names it otherwise)."""
    return _BY_CODE.get(code) or Category(code, code, code)


def category_rank(code: str) -> tuple[int, str]:
    """Sort key: the built-in categories in registry order, then the others by name."""
    category = _BY_CODE.get(code)
    return (CATEGORIES.index(category), "") if category else (len(CATEGORIES), code)


def valid_category_names() -> str:
    """Human-readable list of the built-in values, for messages: "为老/elderly、扶幼/children…"."""
    return "、".join(f"{c.zh}/{c.code}" for c in CATEGORIES)
