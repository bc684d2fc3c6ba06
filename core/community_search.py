"""Finding a community by what a resident types: "阳光", "阳光社区", "阳光社" or a typo of it."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import TypeVar

from rapidfuzz import fuzz

from storage.records import Community

# Words residents add or leave out freely; they carry no information for the search.
_GENERIC_SUFFIXES = ("社区居委会", "居委会", "社区", "小区")
_MIN_SCORE = 60.0


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower()
    text = "".join(ch for ch in text if ch.isalnum())
    for suffix in _GENERIC_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def search(communities: Sequence[Community], query: str, limit: int = 6) -> list[Community]:
    """Best first. An exact name wins alone; otherwise containment, then fuzzy similarity."""
    wanted = normalise(query)
    if not wanted:
        return []
    scored: list[tuple[float, str, Community]] = []
    for community in communities:
        core = normalise(community.name)
        if core == wanted:
            return [community]
        if wanted in core or core in wanted:
            score = 90.0 + 10.0 * min(len(wanted), len(core)) / max(len(wanted), len(core))
        else:
            score = fuzz.ratio(wanted, core)
        if score >= _MIN_SCORE:
            scored.append((score, community.name, community))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [community for _, _, community in scored[:limit]]


# Choosing among hundreds of communities (a provider asking to serve more): by district, a page at a time.
NO_DISTRICT = ""
T = TypeVar("T")  # the "district" of communities registered without one


def districts(communities: Sequence[Community]) -> list[str]:
    """The districts the communities are in, by name; NO_DISTRICT last when some have none."""
    named = sorted({c.district for c in communities if c.district})
    return [*named, NO_DISTRICT] if any(not c.district for c in communities) else named


def in_district(communities: Sequence[Community], district: str) -> list[Community]:
    return [c for c in communities if (c.district or NO_DISTRICT) == district]


def page_of(items: Sequence[T], page: int, size: int) -> tuple[list[T], bool, bool]:
    """Page `page` (from 0; clamped to the pages there are) of `items`, and whether there are pages before and
    after it."""
    last = max((len(items) - 1) // size, 0)
    page = min(max(page, 0), last)
    return list(items[page * size : (page + 1) * size]), page > 0, page < last
