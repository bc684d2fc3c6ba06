"""Domain synonym groups, kept in plain-text files that community staff can extend.

File format (UTF-8): one group per line, terms separated by spaces; `#` starts a comment. The first
term names the group in match reasons. A term may sit in several groups. English words go in the same
group as their Chinese equivalents, which is how an English need reaches a Chinese catalogue:

    送餐 送饭 助餐 配餐 meal meals delivery
    下水道 管道 下水 排水 plumber clog
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from core.matching.english import stem_english
from core.matching.normalize import normalize_text

SHIPPED_SYNONYMS = Path(__file__).with_name("data") / "synonyms.txt"


def normalize_term(term: str) -> str:
    """A term as the analyser will see it in text: normalised, Latin words stemmed, Han unspaced."""
    words = normalize_text(term).split(" ")
    if all(word.isascii() for word in words):
        return " ".join(stem_english(word) for word in words)
    return "".join(words)


@dataclass(frozen=True, eq=False)  # eq=False: compared and hashed by identity (it holds a dict)
class SynonymDict:
    groups: tuple[tuple[str, ...], ...] = ()
    term_groups: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> SynonymDict:
        groups: list[tuple[str, ...]] = []
        for raw in lines:
            content = raw.split("#", 1)[0]
            terms = tuple(dict.fromkeys(t for t in (normalize_term(w) for w in content.split()) if t))
            if len(terms) >= 1:
                groups.append(terms)
        return cls._from_groups(groups)

    @classmethod
    def from_file(cls, path: str | Path) -> SynonymDict:
        return cls.from_lines(Path(path).read_text(encoding="utf-8-sig").splitlines())

    @classmethod
    def _from_groups(cls, groups: list[tuple[str, ...]]) -> SynonymDict:
        term_groups: dict[str, list[int]] = {}
        for group_id, terms in enumerate(groups):
            for term in terms:
                term_groups.setdefault(term, []).append(group_id)
        return cls(tuple(groups), {t: tuple(ids) for t, ids in term_groups.items()})

    def merged(self, other: SynonymDict) -> SynonymDict:
        """A new dictionary holding this one's groups followed by `other`'s."""
        return SynonymDict._from_groups([*self.groups, *other.groups])

    def groups_of(self, term: str) -> tuple[int, ...]:
        return self.term_groups.get(term, ())

    def label(self, group_id: int) -> str:
        """The group's display name: its first term."""
        return self.groups[group_id][0]

    def __len__(self) -> int:
        return len(self.groups)


@cache
def _shipped() -> SynonymDict:
    return SynonymDict.from_file(SHIPPED_SYNONYMS)


def load_synonyms(extra_path: str | Path | None = None) -> SynonymDict:
    """The shipped synonym groups (parsed once per process), plus a deployment's own file if given."""
    base = _shipped()
    return base.merged(SynonymDict.from_file(extra_path)) if extra_path else base
