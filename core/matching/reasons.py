"""Short human-readable reasons: which words of the need met which words of the service.

Built from the need's features, the index keys the service holds and the service's own text, so
showing a reason never re-analyses the service.
"""

from __future__ import annotations

from collections.abc import Callable

from core.matching.analyzer import Feature, pinyin_keys

MAX_LABELS = 4
_WORD_KINDS = ("concept", "fuzzy_concept", "word", "number")


def _join_bigrams(pairs: list[str]) -> list[str]:
    """Chain overlapping bigrams in need order: 送饭, 饭上, 上门 → 送饭上门."""
    spans: list[str] = []
    for pair in pairs:
        if spans and spans[-1][-1] == pair[0]:
            spans[-1] += pair[1]
        else:
            spans.append(pair)
    return spans


def _service_word(wanted: str, text: str, synonyms: tuple[str, ...]) -> str | None:
    """The service's word for a matched concept: the resident's own word if the service uses it too,
    else a synonym inside it (志愿者 for 当志愿者), else the longest synonym the service uses."""
    if wanted in text:
        return wanted
    used = [t for t in synonyms if t in text]
    inside = [t for t in used if t in wanted]
    return max(inside or used, key=len) if used else None


def _sounds_alike_in(text: str, sounds: set[str]) -> str | None:
    """The first pair of characters in `text` with one of these pinyin keys (for 送反→送饭)."""
    for i in range(len(text) - 1):
        if sounds.intersection("P" + key for key in pinyin_keys(text[i : i + 2])):
            return text[i : i + 2]
    return None


def _pairs(
    features: list[Feature], held: set[str], text: str, group_terms: Callable[[str], tuple[str, ...]]
) -> list[tuple[str, str]]:
    """(need's words, service's words) for every matched feature worth showing, strongest kinds first."""
    pairs: list[tuple[str, str]] = []
    for feature in features:
        if feature.kind in _WORD_KINDS and feature.keys[0] in held:
            mine, _, heard_as = feature.label.partition("→")
            # For a typo, the word the resident meant (heard_as) is the one to look for.
            theirs = _service_word(heard_as or mine, text, group_terms(feature.keys[0]))
            pairs.append((mine, theirs or heard_as or mine))
    exact = [f.label for f in features if f.kind == "bigram" and f.keys[0] in held]
    pairs.extend((span, span) for span in _join_bigrams(exact))
    for feature in features:
        if feature.kind not in ("bigram", "pinyin") or feature.label in exact:
            continue
        sounds = {key for key in feature.keys if key.startswith("P") and key in held}
        theirs = _sounds_alike_in(text, sounds) if sounds else None
        if theirs is not None and theirs != feature.label:
            pairs.append((feature.label, theirs))
    if not pairs:
        pairs = [(f.label, f.label) for f in features if f.kind == "char" and f.keys[0] in held]
    return pairs


def explain(
    features: list[Feature],
    held: set[str],
    service_text: str,
    group_terms: Callable[[str], tuple[str, ...]],
) -> str:
    """E.g. "匹配：下水道→管道、堵"; "" when no word of the need is worth showing. `held` are the need's index
    keys the service has, `service_text` its normalised text, and `group_terms` gives the synonyms behind a
    concept key."""
    shown: list[tuple[str, str]] = []
    for mine, theirs in _pairs(features, held, service_text, group_terms):
        # Say each part of the need once (送饭 after 送饭上门, 管到 after 管到输通).
        if any(mine in earlier for earlier, _ in shown):
            continue
        shown.append((mine, theirs))
    labels = [mine if mine == theirs else f"{mine}→{theirs}" for mine, theirs in shown[:MAX_LABELS]]
    return "匹配：" + "、".join(labels) if labels else ""
