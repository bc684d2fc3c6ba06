"""One run of Chinese characters (a clause between punctuation), with what each character is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.matching.cues import ASK, ELSEWHERE, TROUBLE, ClauseReading, read_clause
from core.matching.segment import Span, fits, max_match, whole_terms

if TYPE_CHECKING:
    from core.matching.analyzer import Analyzer

# What the resident asks for after 想/要/请/帮 outweighs the circumstances they describe first.
FOCUS_SALIENCE = 1.5
# What a need only mentions (told of the past, reported, bought, thanked for: see cues.py) counts less.
FRAMED_SALIENCE = 0.5

# A term split by a resident (洗不了澡 for 洗澡): at most this many stop characters between pieces of at
# most this many characters.
_MAX_INFIX = 2
_MAX_PIECE = 3

# Words after which a resident names what they want: 我想…, 需要…, 请人…, 帮我…, 有没有…, 能不能….
_REQUEST_CHARS = frozenset("想要请找帮求")
_REQUEST_WORDS = frozenset({"有没有", "有没", "能不能", "可不可以", "能否", "可否"})


class HanRun:
    """Synonym-term spans, stop-word mask and, in a need, request focus and cue reading of one clause."""

    def __init__(self, text: str, analyzer: Analyzer, *, query: bool = False, carried: str | None = None) -> None:
        self.text = text
        self._segmentations: tuple[list[Span], list[Span]] | None = None
        self.term_spans = self._find_terms(analyzer)
        self.covered = [False] * len(text)
        for start, end in self.term_spans:
            self.covered[start:end] = [True] * (end - start)
        self.stop = [False] * len(text)
        self.focus_from: int | None = None
        self._mark_stopwords(analyzer)
        self.split_terms: list[tuple[str, Span, Span]] = []
        if query:
            self.split_terms = self._find_split_terms(analyzer)
            for left, right in ((a, b) for _, a, b in self.split_terms):
                for start, end in (left, right):
                    self.covered[start:end] = [True] * (end - start)
        self.reading: ClauseReading | None = None
        self.sound_alikes: list[tuple[int, str, str]] = []
        if query:
            self.sound_alikes = analyzer.sound_alikes(self)
            # A trouble typed with the wrong character of the right sound (马桶赌了) is still a trouble.
            troubles = [window for _, window, term in self.sound_alikes if analyzer.roles.get(term) == TROUBLE]
            cues = analyzer.cues.with_words(troubles, TROUBLE) if troubles else analyzer.cues
            self.reading = read_clause(
                text,
                cues,
                carried=carried,
                is_cue_here=lambda start, end, kind: self._is_cue_here(analyzer, start, end, kind),
                content=lambda i: not self.stop[i],
            )

    def salience(self, position: int) -> float:
        """How much a need's words at `position` say about what is asked for."""
        if self.framed(position):
            return FRAMED_SALIENCE
        if self.focus_from is not None and position >= self.focus_from:
            return FOCUS_SALIENCE
        return 1.0

    def framed(self, position: int) -> bool:
        """Whether the need only mentions the word at `position` (see cues.py)."""
        return self.reading is not None and self.reading.framed(position)

    def merchandise(self, position: int) -> bool:
        """Whether the word at `position` is in a clause about prices (a thing there is goods)."""
        return self.reading is not None and self.reading.merchandise[position]

    def segmentations(self, analyzer: Analyzer) -> tuple[list[Span], list[Span]]:
        """Forward and backward maximum-matching words of the clause (see segment.py)."""
        if self._segmentations is None:
            text, lexicon, size = self.text, analyzer.lexicon, analyzer.max_word_len
            self._segmentations = (max_match(text, lexicon, size), max_match(text, lexicon, size, backward=True))
        return self._segmentations

    def _find_terms(self, analyzer: Analyzer) -> list[tuple[int, int]]:
        """Spans of synonym terms.

        A term that straddles two words is dropped (家电 in 我家电脑, see segment.py). A one-character
        term inside a longer term is dropped (吵 in 吵架 is not noise, 借 in 借款 is not borrowing a
        wheelchair); longer inner terms stay (上门 in 上门探望 still means a home visit).
        """
        text, terms = self.text, analyzer.han_terms
        # Longest first at each start, so a concept is labelled with the fullest word (下水道, not 下水).
        spans = [
            (start, start + size)
            for start in range(len(text))
            for size in range(min(analyzer.max_han_len, len(text) - start), 0, -1)
            if text[start : start + size] in terms
        ]
        if spans and len(text) > 1:
            spans = whole_terms(text, spans, self.segmentations(analyzer), terms)
        # Help found elsewhere (宠物医院, 兽医: roles.txt) holds no term of a service's: 医院 in 宠物医院.
        elsewhere = [(s, e) for s, e in spans if analyzer.roles.get(text[s:e]) == ELSEWHERE]
        if elsewhere:
            spans = [(s, e) for s, e in spans if not any(a <= s and e <= b and (a, b) != (s, e) for a, b in elsewhere)]
        return [
            (s, e) for s, e in spans if e - s > 1 or not any(o != (s, e) and o[0] <= s and e <= o[1] for o in spans)
        ]

    def _find_split_terms(self, analyzer: Analyzer) -> list[tuple[str, Span, Span]]:
        """Synonym terms that a resident split with a particle or a complement, as Chinese verbs of two
        characters split (离合词): 洗不了澡 is 洗澡, 理个发 理发, 通一下下水道 通下水道. The infix is one or
        two stop characters; each piece is whole content characters that are words where they stand
        (处理不了发票 holds no 理发: 理 ends 处理). (term, left piece, right piece) each."""
        text, terms, stop = self.text, analyzer.han_terms, self.stop
        found: list[tuple[str, Span, Span]] = []
        free = [not stop[i] and not self.covered[i] for i in range(len(text))]
        for cut in range(1, len(text) - 1):
            for gap in range(1, _MAX_INFIX + 1):
                after = cut + gap
                if after >= len(text) or not all(stop[cut:after]):
                    continue
                for left in range(1, min(cut, _MAX_PIECE) + 1):
                    if not all(free[cut - left : cut]):
                        break
                    for right in range(1, min(len(text) - after, _MAX_PIECE) + 1):
                        if not all(free[after : after + right]):
                            break
                        term = text[cut - left : cut] + text[after : after + right]
                        pieces = ((cut - left, cut), (after, after + right))
                        if term in terms and all(self._is_word(analyzer, piece) for piece in pieces):
                            found.append((term, *pieces))
        return found

    def _is_word(self, analyzer: Analyzer, span: Span) -> bool:
        """Whether a span of the clause is whole words in either segmentation (see segment.py)."""
        return any(fits(span, words, self.text, analyzer.han_terms) for words in self.segmentations(analyzer))

    def _is_cue_here(self, analyzer: Analyzer, start: int, end: int, kind: str) -> bool:
        """A cue found as a substring is one unless it lies inside a longer synonym term (想 in 想不开; a
        trouble may: 不了 in 下不了楼) or, one character long, inside an everyday word (病 in 病毒; a
        request may be inside a stop word: 找 in 找个)."""
        if kind != TROUBLE and any(s <= start and end <= e and e - s > end - start for s, e in self.term_spans):
            return False
        if end - start > 1:
            return True
        for words in self.segmentations(analyzer):
            a, b = next((a, b) for a, b in words if a <= start < b)
            word = self.text[a:b]
            if b - a == 1 or word in analyzer.han_terms or word in analyzer.cues.kinds:
                return True
            if kind == ASK and word in analyzer.stop_han:
                return True
        return False

    def _mark_stopwords(self, analyzer: Analyzer) -> None:
        """Longest stop word first, never inside a synonym term; the first request word sets the focus."""
        text = self.text
        i = 0
        while i < len(text):
            for size in range(min(analyzer.max_stop_len, len(text) - i), 0, -1):
                word = text[i : i + size]
                if word in analyzer.stop_han and not any(self.covered[i : i + size]):
                    self.stop[i : i + size] = [True] * size
                    is_request = word in _REQUEST_WORDS or not _REQUEST_CHARS.isdisjoint(word)
                    if is_request and self.focus_from is None:
                        self.focus_from = i + size
                    i += size
                    break
            else:
                i += 1
