"""Services meant for a narrower group (残疾人就业, 退役军人就业) come after the general one when the message
never mentions that group (data/qualifiers.txt, staff-editable)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from core.matching.normalize import DATA_DIR

QUALIFIERS_FILE = DATA_DIR / "qualifiers.txt"


@dataclass(frozen=True)
class Qualifiers:
    groups: tuple[tuple[str, ...], ...]  # each: the words that mark the group, first the ones names use

    def service_masks(self, names: list[str]) -> np.ndarray:
        """(services, groups): which groups each service's name narrows it to."""
        return np.array(
            [[any(w in name.casefold() for w in group) for group in self.groups] for name in names],
            dtype=bool,
        ).reshape(len(names), len(self.groups))

    def mentioned(self, folded: str) -> np.ndarray:
        """(groups,): which groups the message mentions."""
        text = folded.casefold()
        return np.array([any(w in text for w in group) for group in self.groups], dtype=bool)


def read_qualifiers(path: Path) -> Qualifiers:
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        words = tuple(line.split()) if line.strip() and not line.startswith("#") else ()
        if words:
            groups.append(words)
    return Qualifiers(tuple(groups))


@cache
def load_qualifiers() -> Qualifiers:
    return read_qualifiers(QUALIFIERS_FILE)
