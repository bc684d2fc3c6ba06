"""One run of Chinese characters (a clause between punctuation), with what each character is."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.matching.analyzer import Analyzer

# What the resident asks for after 想/要/请/帮 outweighs the circumstances they describe first.
FOCUS_SALIENCE = 1.5
COURTESY_SALIENCE = 0.6

# Words after which a resident names what they want: 我想…, 需要…, 请人…, 帮我…, 有没有…, 能不能….
_REQUEST_CHARS = frozenset("想要请找帮求")
_REQUEST_WORDS = frozenset({"有没有", "有没", "能不能", "可不可以", "能否", "可否"})
# A clause that thanks or greets ("谢谢上次帮忙修水管") recalls past help; the new need is elsewhere.
_COURTESY_WORDS = frozenset({"谢谢", "多谢", "感谢", "你好", "您好", "上次"})


class HanRun:
    """Synonym-term spans, stop-word mask, request focus and courtesy of one clause."""

    def __init__(self, text: str, analyzer: Analyzer) -> None:
        self.text = text
        self.term_spans = self._find_terms(analyzer)
        self.covered = [False] * len(text)
        for start, end in self.term_spans:
            self.covered[start:end] = [True] * (end - start)
        self.stop = [False] * len(text)
        self.focus_from: int | None = None
        self.courtesy = False
        self._mark_stopwords(analyzer)
        if self.courtesy:
            self.focus_from = None

    def salience(self, position: int) -> float:
        """How much a need's words at `position` say about what is asked for."""
        if self.courtesy:
            return COURTESY_SALIENCE
        if self.focus_from is not None and position >= self.focus_from:
            return FOCUS_SALIENCE
        return 1.0

    def _find_terms(self, analyzer: Analyzer) -> list[tuple[int, int]]:
        """Spans of synonym terms.

        A one-character term inside a longer term is dropped (吵 in 吵架 is not noise, 借 in 借款 is not
        borrowing a wheelchair); longer inner terms stay (上门 in 上门探望 still means a home visit).
        """
        text, terms = self.text, analyzer.han_terms
        # Longest first at each start, so a concept is labelled with the fullest word (下水道, not 下水).
        spans = [
            (start, start + size)
            for start in range(len(text))
            for size in range(min(analyzer.max_han_len, len(text) - start), 0, -1)
            if text[start : start + size] in terms
        ]
        return [
            (s, e) for s, e in spans if e - s > 1 or not any(o != (s, e) and o[0] <= s and e <= o[1] for o in spans)
        ]

    def _mark_stopwords(self, analyzer: Analyzer) -> None:
        """Longest stop word first, never inside a synonym term; the first request word sets the focus."""
        text = self.text
        i = 0
        while i < len(text):
            for size in range(min(analyzer.max_stop_len, len(text) - i), 0, -1):
                word = text[i : i + size]
                if word in analyzer.stop_han and not any(self.covered[i : i + size]):
                    self.stop[i : i + size] = [True] * size
                    self.courtesy = self.courtesy or word in _COURTESY_WORDS
                    is_request = word in _REQUEST_WORDS or not _REQUEST_CHARS.isdisjoint(word)
                    if is_request and self.focus_from is None:
                        self.focus_from = i + size
                    i += size
                    break
            else:
                i += 1
