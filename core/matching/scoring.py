"""From raw evidence to a 0–100 score whose threshold means "this service fits the need"."""

from __future__ import annotations

import math

from core.matching.analyzer import Feature

# How much one matched feature of each kind counts, before rarity (idf) and field boost.
KIND_WEIGHTS: dict[str, float] = {
    "concept": 1.0,
    "fuzzy_concept": 0.7,
    "word": 0.6,
    "bigram": 0.5,
    "number": 0.4,
    "pinyin": 0.3,
    "skip_bigram": 0.3,
    "char": 0.15,
}

# Kinds of evidence that come from the curated vocabulary rather than from shared characters.
ANCHOR_KINDS = frozenset({"concept", "fuzzy_concept", "word"})
# A service met only by shared characters (推荐 in 岗位推荐 for "推荐一部电影") may rank, but should
# rarely pass the threshold: that is how accidental overlap looks.
UNANCHORED_FACTOR = 0.6

DEFAULT_THRESHOLD = 50.0
EVIDENCE_SCALE = 1.2
COVERAGE_EXPONENT = 0.1


def calibrated_score(evidence: float, coverage: float, *, anchored: bool = True) -> float:
    """0–100, one decimal: saturating in evidence, damped when most of the need went unexplained
    and when nothing but shared characters matched."""
    if evidence <= 0:
        return 0.0
    strength = 1 - math.exp(-evidence / EVIDENCE_SCALE)
    score = 100 * strength * coverage**COVERAGE_EXPONENT
    return round(score if anchored else score * UNANCHORED_FACTOR, 1)


def feature_weight(feature: Feature) -> float:
    """How much a need's feature counts before rarity and field boost."""
    return KIND_WEIGHTS[feature.kind] * feature.salience
