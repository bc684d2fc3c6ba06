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

from core.matching.normalize import DATA_DIR, read_tsv, traditional_to_simplified

DIALECT_FILE = DATA_DIR / "dialect.tsv"


def read_pairs(path: Path) -> dict[str, str]:
    """written → meant; a staff-edited line with stray spaces or only one column is read as meant or skipped."""
    pairs = ((written.strip(), meant.strip()) for written, meant in read_tsv(path))
    return {written: meant for written, meant in pairs if written and meant}


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
