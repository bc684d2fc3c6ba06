"""Just enough word segmentation to tell whether a synonym term found in a clause is a word there.

Chinese is written without spaces, so a term found as a substring may straddle two words: 家电
(appliances) in 我家电脑 is 我家|电脑 ("my family's computer"), 下水 in 水下不去 is 水|下不去. The clause is
segmented by forward and by backward maximum matching over a small lexicon (everyday words, synonym
terms and stop words); a term is kept if either segmentation leaves it whole:

- a term of two or more characters must not be cut by a word that runs across one of its ends
  (a word containing it is fine: 电视 in 电视剧 is still about a television);
- a one-character term must stand alone or inside a synonym term, not inside an everyday word
  (修 in 装修 is not a repair, 烦 in 麻烦 is not a low mood, 租 in 租金 is not a rental).

Two greedy passes cost a few microseconds per clause and need no dictionary frequencies, unlike a
full segmenter, and keeping a term that either pass accepts errs on the side of matching.
"""

from __future__ import annotations

from collections.abc import Collection

Span = tuple[int, int]


def max_match(text: str, lexicon: Collection[str], max_len: int, *, backward: bool = False) -> list[Span]:
    """Greedy longest-word segmentation of `text`; characters in no word stand alone."""
    spans: list[Span] = []
    if backward:
        end = len(text)
        while end > 0:
            size = next((n for n in range(min(max_len, end), 1, -1) if text[end - n : end] in lexicon), 1)
            spans.append((end - size, end))
            end -= size
        spans.reverse()
    else:
        start = 0
        while start < len(text):
            size = next(
                (n for n in range(min(max_len, len(text) - start), 1, -1) if text[start : start + n] in lexicon), 1
            )
            spans.append((start, start + size))
            start += size
    return spans


def fits(term: Span, words: list[Span], text: str, terms: Collection[str]) -> bool:
    """Whether a term span is a word (or a run of whole words) in this segmentation."""
    start, end = term
    for a, b in words:
        if b <= start or end <= a:
            continue
        if end - start == 1:
            return b - a == 1 or text[a:b] in terms
        if (a < start < b or a < end < b) and not (a <= start and end <= b):
            return False
    return True


def whole_terms(
    text: str, spans: list[Span], segmentations: tuple[list[Span], list[Span]], terms: Collection[str]
) -> list[Span]:
    """Those term spans that the forward or the backward segmentation leaves whole."""
    forward, backward = segmentations
    return [s for s in spans if fits(s, forward, text, terms) or fits(s, backward, text, terms)]
