"""From raw evidence to a 0–100 score whose threshold means "this service fits the need"."""

from __future__ import annotations

import math

from core.matching.analyzer import INQUIRY, MINOR_ROLES, NEED, PEOPLE, PLAIN, QUESTION, THINGS, Feature

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
# Services that fix things (core.catalog category code). A thing with a fault calls for one of them
# ("电视机没有图像了"); a service that only teaches or uses the thing is no answer to its fault ("手机屏幕
# 摔碎了" is not for phone classes) unless the need is about not knowing how ("我爸不会用手机"). And a
# repair service that holds none of the things a need names is about other things ("手机没电了" is not
# for the household electrician, "洗衣机漏水了" not for the plumber).
REPAIR_CATEGORIES = frozenset({"housekeeping"})
# People say who needs help, manners how it is given (上门, 报名), not what help: they count half, and
# people never anchor a match. Things count half in a plain statement ("手机", "你是真人还是电脑").
MINOR_WEIGHT = 0.5
PLAIN_THING_WEIGHT = 0.5
# A service met only by shared characters (推荐 in 岗位推荐 for "推荐一部电影") may rank, but should
# rarely pass the threshold: that is how accidental overlap looks.
UNANCHORED_FACTOR = 0.5

DEFAULT_THRESHOLD = 50.0
EVIDENCE_SCALE = 1.2
# How much a need's words a service leaves unexplained matters by what the need does: one that asks for
# help may tell a long story around its request; a message that asks nothing must be about the service
# through and through (a bare topic, "新手爸妈育儿讲座"), or it is talk that happens to name a service's
# word ("今天好热，空调开了一整天").
COVERAGE_EXPONENTS: dict[str, float] = {NEED: 0.1, INQUIRY: 0.3, QUESTION: 0.5, PLAIN: 0.6}


def calibrated_score(evidence: float, coverage: float, *, anchored: bool = True, mode: str = NEED) -> float:
    """0–100, one decimal: saturating in evidence, damped when much of the need went unexplained (the
    more so if it asks for nothing) and when nothing but shared characters matched."""
    if evidence <= 0:
        return 0.0
    strength = 1 - math.exp(-evidence / EVIDENCE_SCALE)
    score = 100 * strength * coverage ** COVERAGE_EXPONENTS[mode]
    return round(score if anchored else score * UNANCHORED_FACTOR, 1)


def feature_weight(feature: Feature, mode: str = NEED) -> float:
    """How much a need's feature counts before rarity and field boost."""
    weight = KIND_WEIGHTS[feature.kind] * feature.salience
    if feature.role in MINOR_ROLES:
        return weight * MINOR_WEIGHT
    if feature.role == THINGS and mode == PLAIN:
        return weight * PLAIN_THING_WEIGHT
    return weight


def anchors(feature: Feature) -> bool:
    """Whether this feature of a need, matched, makes the match more than shared characters: a word of
    the curated vocabulary that the need asks about, not one it only mentions, and not people. Things
    anchor only on conditions (see `Matcher._rank`)."""
    return feature.kind in ANCHOR_KINDS and not feature.incidental and feature.role not in (PEOPLE, THINGS)


def names_a_thing(feature: Feature) -> bool:
    """A thing the need is about (not one it only mentions)."""
    return feature.kind in ANCHOR_KINDS and not feature.incidental and feature.role == THINGS
