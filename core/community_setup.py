"""Setting up communities: what a community's name may be, and adding one (`sanshe community add`).

A community's name is what residents see on a button and staff type on the command line, so it is one short
name: no list separators (`阳光社区，桂花社区` is two communities, not one), no line breaks, and not a second
spelling of a community that exists (阳光 or 阳光社区居委会 next to 阳光社区: community_search folds them).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime

from rapidfuzz import fuzz

from core.community_search import normalise, search
from storage.protocols import UnitOfWork
from storage.records import Community

MAX_COMMUNITY_NAME = 30
MAX_DISTRICT_NAME = 30
_SEPARATORS = frozenset(",，;；、|/\\")
# Whole names alike enough to suggest: 桂化社区 and 桂花社区 score 75; 火星社区 and 阳光社区 only share 社区 (50).
_MIN_WHOLE_NAME_SCORE = 60.0


class SetupError(ValueError):
    """Bad input for a community; `key` and `values` say why in the locale catalogues."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def clean(text: str) -> str:
    """A name as stored: trimmed, with runs of spaces squeezed to one."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def check_name(name: str, *, limit: int = MAX_COMMUNITY_NAME, empty: str = "community.setup.empty_name") -> str:
    """The cleaned name, or SetupError when it cannot be a community's (or a district's) name."""
    cleaned = clean(name)
    if not cleaned or not normalise(cleaned):
        raise SetupError(empty)
    if len(cleaned) > limit:
        raise SetupError("community.setup.name_too_long", name=cleaned, limit=limit)
    if any(ch in _SEPARATORS for ch in cleaned) or any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise SetupError("community.setup.bad_character", name=cleaned)
    return cleaned


def same_community(communities: Sequence[Community], name: str) -> Community | None:
    """The community `name` spells, exactly or by community_search's folding (阳光, 阳光社区居委会 → 阳光社区),
    when exactly one does."""
    exact = next((c for c in communities if c.name == name), None)
    if exact is not None:
        return exact
    wanted = normalise(name)
    folded = [c for c in communities if wanted and normalise(c.name) == wanted]
    return folded[0] if len(folded) == 1 else None


def nearest(communities: Sequence[Community], name: str, limit: int = 3) -> list[str]:
    """The names of the known communities nearest to an unknown one, best first (may be empty): what
    community_search finds, else the whole names most alike (桂化社区 → 桂花社区, where the folded 桂化 and 桂花
    are too short to compare)."""
    found = [c.name for c in search(communities, name, limit=limit)]
    if found:
        return found
    scored = sorted(((fuzz.ratio(name, c.name), c.name) for c in communities), key=lambda item: (-item[0], item[1]))
    return [known for score, known in scored if score >= _MIN_WHOLE_NAME_SCORE][:limit]


async def add_community(uow: UnitOfWork, name: str, district: str | None, now: datetime) -> Community:
    """Add a community; SetupError for a bad name or one that exists already (in any spelling)."""
    cleaned = check_name(name)
    district_name = None
    if district is not None:
        district_name = check_name(district, limit=MAX_DISTRICT_NAME, empty="community.setup.empty_district")
    existing = same_community(await uow.communities.list_all(), cleaned)
    if existing is not None:
        raise SetupError("community.setup.exists", name=cleaned, existing=existing.name)
    return await uow.communities.add(cleaned, now, district=district_name)


async def list_communities(uow: UnitOfWork) -> Sequence[Community]:
    return await uow.communities.list_all()
