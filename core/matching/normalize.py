"""Text normalisation shared by the catalogue index and incoming needs.

Residents type on phones with whatever input method they have: full-width letters, traditional
characters (relatives in Hong Kong/Taiwan), emoji and stray punctuation. All of it is folded here so
the rest of the engine sees one alphabet: lower-case half-width ASCII, simplified Chinese, single spaces.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")

# Letters and digits of any script stay; punctuation, symbols, emoji and "_" become word breaks.
_BREAKS = re.compile(r"[\W_]+")


def _read_table(name: str) -> list[tuple[str, str]]:
    return read_tsv(DATA_DIR / name)


def read_tsv(path: Path) -> list[tuple[str, str]]:
    """(key, value) per line of a two-column tab-separated file; blank lines and # comments skipped."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("\t")
            pairs.append((key, value))
    return pairs


@cache
def traditional_to_simplified() -> dict[int, str]:
    return {ord(trad): simp for trad, simp in _read_table("t2s_chars.tsv")}


@cache
def pinyin_table() -> dict[str, tuple[str, ...]]:
    """Toneless readings of each common character, e.g. 行 → ("xing", "hang", "heng")."""
    return {ch: tuple(readings.split(",")) for ch, readings in _read_table("pinyin_chars.tsv")}


def normalize_text(text: str) -> str:
    """Fold width, case, traditional characters and punctuation: "下水道堵了！！Help" → "下水道堵了 help"."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(traditional_to_simplified())
    return _BREAKS.sub(" ", folded).strip()


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"
