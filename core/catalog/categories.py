"""Service categories as first-class values: a fixed registry of codes with Chinese and English names.

The city's pilot focus (elderly, children, disabled) comes first because menus and reports list
categories in registry order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    zh: str
    en: str

    def label(self) -> str:
        """Bilingual label, Chinese first, e.g. "为老 elderly"."""
        return f"{self.zh} {self.en}"


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

_BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}
# Every spelling a spreadsheet author might type: code, Chinese name, English name.
_LOOKUP: dict[str, Category] = {}
for _cat in CATEGORIES:
    for _spelling in (_cat.code, _cat.zh, _cat.en):
        _LOOKUP[_spelling.casefold()] = _cat


def resolve_category(value: str) -> Category | None:
    """The category named by a code, Chinese or English name (case-insensitive), or None."""
    return _LOOKUP.get(value.strip().casefold())


def category_by_code(code: str) -> Category:
    """The category with this exact code; KeyError for an unknown one (a programming error)."""
    return _BY_CODE[code]


def valid_category_names() -> str:
    """Human-readable list of valid values, for error messages: "为老/elderly、扶幼/children…"."""
    return "、".join(f"{c.zh}/{c.code}" for c in CATEGORIES)
