"""Reading a resident's words as standard Mandarin before either channel sees them.

Residents write as they speak: Changsha dialect (娭毑 for 奶奶, 冇得 for 没有, 哒 for 了), other regions' words
(屋头, 俺, 侬), and pinyin-input slips that keep the sound but not the character (低宝 for 低保, 开所 for
开锁). data/dialect.tsv lists them (staff-editable); they are replaced longest first, after width and
traditional characters are folded, so both the lexical engine and the sentence encoder read 奶奶没有人照顾.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from core.matching.normalize import DATA_DIR, traditional_to_simplified

DIALECT_FILE = DATA_DIR / "dialect.tsv"


def read_pairs(path: Path) -> dict[str, str]:
    """written → meant, from a tab-separated file; # comments and blank lines skipped."""
    pairs: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        written, _, meant = line.partition("\t")
        written, meant = written.strip(), meant.strip()
        if written and meant:
            pairs[written] = meant
    return pairs


class DialectTable:
    def __init__(self, pairs: dict[str, str]) -> None:
        self.pairs = pairs
        alternatives = sorted(pairs, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, alternatives))) if alternatives else None

    def fold(self, text: str) -> str:
        """Width, traditional characters, then dialect and slips: "我家娭毑冇得人照顧" → "我家奶奶没有人照顾"."""
        folded = unicodedata.normalize("NFKC", text).translate(traditional_to_simplified())
        if self._pattern is None:
            return folded
        return self._pattern.sub(lambda m: self.pairs[m.group()], folded)


@cache
def default_dialect() -> DialectTable:
    return DialectTable(read_pairs(DIALECT_FILE))


def load_dialect(extra_path: Path | None = None) -> DialectTable:
    """The shipped table, plus a deployment's own file if given (its lines win)."""
    if extra_path is None:
        return default_dialect()
    return DialectTable({**read_pairs(DIALECT_FILE), **read_pairs(extra_path)})
