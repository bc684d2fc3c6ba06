"""The matching engine's public face: build a Matcher from catalogue entries, ask it for matches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from core.catalog import ServiceEntry
from core.matching.analyzer import FAULT, PLAIN, Analyzer, Feature, Reading, load_stopwords
from core.matching.documents import service_keys
from core.matching.han import FRAMED_SALIENCE
from core.matching.index import InvertedIndex
from core.matching.normalize import normalize_text
from core.matching.reasons import explain
from core.matching.scoring import (
    DEFAULT_THRESHOLD,
    REPAIR_CATEGORIES,
    anchors,
    calibrated_score,
    feature_weight,
    names_a_thing,
)
from core.matching.synonyms import SynonymDict, load_synonyms

# A need is a chat message; anything longer is a paste, and analysing it all would only cost time.
MAX_NEED_CHARS = 500


@dataclass(frozen=True)
class Match:
    service_id: str
    name: str
    score: float  # 0–100, one decimal; comparable across needs and catalogues
    reason: str  # which words matched, e.g. "匹配：下水道→管道、堵"


@dataclass(frozen=True)
class Candidate:
    """A service with raw evidence, before the threshold (for tuning and diagnostics)."""

    position: int
    evidence: float
    coverage: float
    anchored: bool  # a synonym group or one of the service's own keywords matched, not just characters
    score: float


class Matcher:
    def __init__(
        self,
        entries: list[ServiceEntry],
        analyzer: Analyzer,
        index: InvertedIndex,
        threshold: float,
    ) -> None:
        self.entries = entries
        self.threshold = threshold
        self._analyzer = analyzer
        self._index = index
        self._active = np.array([e.active for e in entries], dtype=bool)
        self._serves_all = np.array([not e.communities for e in entries], dtype=bool)
        self._repairs = [e.category in REPAIR_CATEGORIES for e in entries]
        self._by_community: dict[str, list[int]] = {}
        for position, entry in enumerate(entries):
            for community in entry.communities:
                self._by_community.setdefault(community.strip().casefold(), []).append(position)
        self._service_text = lru_cache(maxsize=1024)(self._normalized_text)
        self._own_phrases = lru_cache(maxsize=4096)(self._service_phrases)

    @classmethod
    def build(
        cls,
        entries: Iterable[ServiceEntry],
        *,
        synonyms: SynonymDict | None = None,
        threshold: float | None = None,
    ) -> Matcher:
        entries = list(entries)
        analyzer = Analyzer(synonyms if synonyms is not None else load_synonyms(), load_stopwords())
        index = InvertedIndex.build(service_keys(analyzer, entry) for entry in entries)
        analyzer.forget_indexed_text()
        return cls(entries, analyzer, index, DEFAULT_THRESHOLD if threshold is None else threshold)

    def match(
        self, text: str, *, top: int = 3, community: str | None = None, include_inactive: bool = False
    ) -> list[Match]:
        """Best matches first, at most `top`, all scoring at least the threshold; [] = no service fits."""
        reading = self._analyzer.read(text[:MAX_NEED_CHARS])
        features = reading.features
        found = self._rank(reading, top, community, include_inactive)
        shown = [c.position for c in found if c.score >= self.threshold]
        held = self._held_keys(features, shown)
        matches = []
        for candidate in found[: len(shown)]:
            entry = self.entries[candidate.position]
            service_text = self._service_text(candidate.position)
            reason = explain(features, held[candidate.position], service_text, self._group_terms)
            matches.append(Match(entry.service_id, entry.name, candidate.score, reason))
        return matches

    def _held_keys(self, features: list[Feature], positions: list[int]) -> dict[int, set[str]]:
        """For each of these services, which of the need's index keys it holds (for match reasons)."""
        held: dict[int, set[str]] = {p: set() for p in positions}
        wanted = np.array(sorted(positions), dtype=np.int32)
        for feature in features:
            for key in feature.keys:
                for position in self._index.holders(key, wanted).tolist():
                    held[position].add(key)
        return held

    def rank(
        self, text: str, *, limit: int = 3, community: str | None = None, include_inactive: bool = False
    ) -> list[Candidate]:
        """The `limit` best-scoring services with their raw evidence, threshold not applied
        (for tuning and diagnostics; `match` is what callers want)."""
        return self._rank(self._analyzer.read(text[:MAX_NEED_CHARS]), limit, community, include_inactive)

    def _rank(self, reading: Reading, limit: int, community: str | None, include_inactive: bool) -> list[Candidate]:
        features, mode = reading.features, reading.mode
        if not features or limit <= 0 or not self.entries:
            return []
        weighted = [
            [(key, feature_weight(f, mode) * factor * self._index.idf(key)) for key, factor in f.alternatives()]
            for f in features
        ]
        # What a service matching every word of the need exactly would score, counting what the need only
        # mentions in full: a service met only there explains little of the need.
        possible = sum(
            max(weight for _, weight in alternatives) / (FRAMED_SALIENCE if f.incidental else 1.0)
            for f, alternatives in zip(features, weighted, strict=True)
        )
        evidence = self._index.accumulate(weighted)
        evidence[~self._allowed(community, include_inactive)] = 0.0
        pairs = list(zip(features, weighted, strict=True))
        anchored_by = self._index.accumulate(alternatives for f, alternatives in pairs if anchors(f))
        # A repair service is not anchored by a word for a fault alone (坏了, 修): "门锁坏了" names
        # something none of them fixes.
        faults = [f for f, _ in pairs if anchors(f) and f.role == FAULT]
        anchored_past_faults = (
            self._index.accumulate(alternatives for f, alternatives in pairs if anchors(f) and f.role != FAULT)
            if faults
            else anchored_by
        )
        things = [alternatives for f, alternatives in pairs if names_a_thing(f)]
        holds_thing = self._index.accumulate(things) if things else None
        # A wider pool than asked for: the unanchored discount below may reorder it. Services tied
        # with the last one in the pool all stay in, so the outcome does not depend on sort order.
        pool = max(limit * 3, 10)
        hits = np.flatnonzero(evidence > 0)
        if len(hits) > pool:
            cutoff = np.partition(evidence[hits], len(hits) - pool)[len(hits) - pool]
            hits = hits[evidence[hits] >= cutoff]
        result = []
        for position in hits.tolist():
            value = float(evidence[position])
            coverage = min(1.0, value / possible)
            holds = None if holds_thing is None else bool(holds_thing[position] > 0)
            by_concept = (anchored_past_faults if self._repairs[position] else anchored_by)[position] > 0
            anchored = self._anchored(position, reading, bool(by_concept), holds, bool(faults))
            score = calibrated_score(value, coverage, anchored=anchored, mode=mode)
            result.append(Candidate(position, value, coverage, anchored, score))
        # Best score first; ties keep catalogue order, so results are reproducible.
        result.sort(key=lambda c: (-c.score, -c.evidence, c.position))
        return result[:limit]

    def _anchored(
        self, position: int, reading: Reading, by_concept: bool, holds_thing: bool | None, fault: bool = False
    ) -> bool:
        """Whether the service meets the need by more than shared characters: by a concept the need asks
        about (`by_concept`), by its own name or keyword, or by a thing the need names (`holds_thing`;
        None if it names none). Things count in a need that asks or questions or names a fault (`fault`:
        "空调 维修"), for a service that fixes them or if the need is about not knowing how; a repair
        service that holds none of the things a need names is about other things (see
        scoring.REPAIR_CATEGORIES)."""
        repairs = self._repairs[position]
        things_count = (reading.mode != PLAIN or fault) and (repairs or reading.skill)
        if by_concept and not (repairs and holds_thing is False):
            return True
        if things_count and holds_thing:
            return True
        return self._names_itself(position, reading.unframed, things_count)

    def _names_itself(self, position: int, unframed: str, things: bool) -> bool:
        """Whether the need, where it is not only mentioning things, contains the service's name or one
        of its keywords (one naming people does not count, nor a thing unless `things`)."""
        return any(
            phrase in unframed and self._analyzer.can_anchor(phrase, things) for phrase in self._own_phrases(position)
        )

    def _allowed(self, community: str | None, include_inactive: bool) -> np.ndarray:
        if community is None:
            allowed = np.ones(len(self.entries), dtype=bool)
        else:
            allowed = self._serves_all.copy()
            allowed[self._by_community.get(community.strip().casefold(), [])] = True
        if not include_inactive:
            allowed &= self._active
        return allowed

    def clear_caches(self) -> None:
        """Forget per-service texts kept for match reasons (they are rebuilt on demand)."""
        self._service_text.cache_clear()
        self._own_phrases.cache_clear()

    def _service_phrases(self, position: int) -> tuple[str, ...]:
        entry = self.entries[position]
        phrases = (normalize_text(p).replace(" ", "") for p in (entry.name, *entry.keywords))
        return tuple(p for p in phrases if len(p) >= 2)

    def _group_terms(self, key: str) -> tuple[str, ...]:
        """Synonym terms behind a concept key ("G12"); () for other keys."""
        return self._analyzer.synonyms.groups[int(key[1:])] if key.startswith("G") else ()

    def _normalized_text(self, position: int) -> str:
        entry = self.entries[position]
        return normalize_text(" ".join((entry.name, " ".join(entry.keywords), entry.description)))
