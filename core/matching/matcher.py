"""The matching engine's public face: build a Matcher from catalogue entries, ask it for matches.

Two channels read a message: the lexical engine (synonym groups, character pairs, pinyin and cue words; it
also gives the reason a resident sees) and the semantic one (a sentence encoder comparing the message with
each service and with example needs, semantic.py). Their scores are weighed into one ranking, and the gate
(gate.py) decides from both, and from the message's form, whether it is a need and whether a service fits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from core.catalog import ServiceEntry
from core.matching.analyzer import FAULT, PLAIN, Analyzer, Feature, Reading, load_stopwords
from core.matching.bank import ExampleBank, default_bank
from core.matching.dialect import DialectTable, default_dialect
from core.matching.documents import service_keys
from core.matching.encoder import Encoder, default_encoder, preload_encoder
from core.matching.gate import Gate, Signals, default_gate, neutral_gate
from core.matching.han import FRAMED_SALIENCE
from core.matching.index import InvertedIndex
from core.matching.normalize import normalize_text
from core.matching.qualifiers import Qualifiers, load_qualifiers
from core.matching.ranker import RANK_FEATURES, Candidates, add_gaps, softmax
from core.matching.reasons import explain
from core.matching.scoring import (
    DEFAULT_THRESHOLD,
    REPAIR_CATEGORIES,
    anchors,
    calibrated_score,
    feature_weight,
    names_a_thing,
)
from core.matching.semantic import BankVectors, SemanticIndex, bank_vectors
from core.matching.synonyms import SynonymDict, load_synonyms

# A need is a chat message; anything longer is a paste, and analysing it all would only cost time.
MAX_NEED_CHARS = 500
# Lexical candidates kept per message before the channels are weighed together.
LEXICAL_POOL = 10
# Services ranked by the weighed score (the most a caller may ask for).
RANKED = 5
# Candidates the semantic channel adds: the closest by service text and by example needs.
SEMANTIC_POOL = 20
# A message of at most this many characters that holds a service's own name or keyword asks for it.
BARE_NAME_MAX_CHARS, BARE_NAME_CONFIDENCE = 8, 0.75
# The first service the community offers must have at least this share of the catalogue's best one.
LACKING_SHARE = 0.5
# The reason shown for a match found by meaning alone, with no shared word to point at.
SEMANTIC_REASON = "意思相近"


@dataclass(frozen=True)
class Match:
    service_id: str
    name: str
    score: float  # 0–100, one decimal; comparable across needs and catalogues
    reason: str  # which words matched, e.g. "匹配：下水道→管道、堵"


@dataclass(frozen=True)
class Assessment:
    """What the engine makes of one message: the matches to offer, and whether it asks for help at all."""

    matches: list[Match]
    need: float  # 0–1, 0.5 the cut: does the message ask for help (a greeting, thanks or a remark does not)
    fit: float  # 0–1, 0.5 the cut: is it a need, and does one of the services answer it
    signals: Signals | None
    talk: str = ""  # for a message that is not a need: what kind of talk it is closest to (greeting, thanks …)

    @property
    def is_need(self) -> bool:
        return bool(self.matches) or self.need >= 0.5


@dataclass(frozen=True)
class Ranked:
    position: int
    score: float  # the ranker's score (ranker.py)
    share: float  # its softmax share among the candidates


@dataclass(frozen=True)
class Channels:
    """Both channels' view of one message: its candidate services with their features, and what it is like."""

    candidates: Candidates
    vector: np.ndarray  # the message's sentence vector
    best_example: float
    best_not_need: float
    best_offered: float  # how strongly the catalogue offers the kind of help the message is closest to
    concept_ties: np.ndarray  # per candidate: how strongly that kind of help is tied to it
    talk: str
    mode: str
    skill: bool
    framed_share: float
    n_features: int
    length: int


def weigh_channels(channels: Channels, gate: Gate) -> tuple[list[Ranked], Signals]:
    """The candidates the community may be offered, ranked (best first, ties in catalogue order), and the gate's
    view of the message; shares and the margin are over every candidate of the catalogue."""
    candidates = channels.candidates
    values = gate.ranker.scores(candidates.features)
    shares = softmax(values)
    order = sorted(range(len(values)), key=lambda i: (-float(values[i]), int(candidates.positions[i])))
    offered = [i for i in order if candidates.allowed[i]]
    ranked = [Ranked(int(candidates.positions[i]), float(values[i]), float(shares[i])) for i in offered[:RANKED]]
    features = candidates.features
    column = {name: features[:, k] for k, name in enumerate(RANK_FEATURES)}
    top = offered[0]
    others = np.delete(values, top)
    signals = Signals(
        score1=float(values[top]),
        share1=float(shares[top]),
        margin=float(values[top] - others.max()) if len(others) else 5.0,
        lex1=float(column["lexical"][top]),
        lex_max=float(column["lexical"].max()),
        anchored=bool(column["anchored"][top]),
        doc1=float(column["doc"][top]),
        doc_max=float(column["doc"].max()),
        ex1=float(column["examples"][top]),
        ex_max=float(column["examples"].max()),
        needness=gate.needness(channels.vector),
        best_example=channels.best_example,
        best_not_need=channels.best_not_need,
        best_offered=channels.best_offered,
        best_tie1=float(channels.concept_ties[top]) if len(channels.concept_ties) else 0.0,
        mode=channels.mode,
        skill=channels.skill,
        framed_share=channels.framed_share,
        n_features=channels.n_features,
        length=channels.length,
        talk=channels.talk,
        best_share=float(shares[order[0]]),
    )
    return ranked, signals


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
        semantic: SemanticIndex | None = None,
        gate: Gate | None = None,
        dialect: DialectTable | None = None,
        qualifiers: Qualifiers | None = None,
    ) -> None:
        self.entries = entries
        self.threshold = threshold
        self._analyzer = analyzer
        self._index = index
        self._semantic = semantic
        # The lexical channel alone (semantic=False) decides by its own threshold and needs no gate.
        self._gate = gate or (default_gate() if semantic is not None else neutral_gate())
        self._dialect = dialect or default_dialect()
        self._qualifiers = qualifiers or load_qualifiers()
        self._qualified = self._qualifiers.service_masks([e.name for e in entries])
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
        semantic: bool = True,
        bank: ExampleBank | None = None,
        encoder: Encoder | None = None,
        gate: Gate | None = None,
        dialect: DialectTable | None = None,
        vectors: BankVectors | None = None,
    ) -> Matcher:
        """`semantic=False` leaves the sentence encoder out (the lexical channel alone, for diagnostics).
        `bank` and its `vectors` (already folded and encoded) may be given, for fitting (fit_gate.py)."""
        entries = list(entries)
        if semantic and encoder is None:
            preload_encoder()
        analyzer = Analyzer(synonyms if synonyms is not None else load_synonyms(), load_stopwords())
        index = InvertedIndex.build(service_keys(analyzer, entry) for entry in entries)
        analyzer.forget_indexed_text()
        dialect = dialect or default_dialect()
        index_semantic = None
        if semantic:
            encoder = encoder or default_encoder()
            if vectors is None or bank is None:
                bank = (bank or default_bank()).folded(dialect.fold)
                vectors = bank_vectors(bank, encoder)
            index_semantic = SemanticIndex(encoder, entries, bank, vectors)
        return cls(
            entries,
            analyzer,
            index,
            DEFAULT_THRESHOLD if threshold is None else threshold,
            index_semantic,
            gate,
            dialect,
        )

    def match(
        self, text: str, *, top: int = 3, community: str | None = None, include_inactive: bool = False
    ) -> list[Match]:
        """Best matches first, at most `top`, all scoring at least the threshold; [] = no service fits."""
        return self.assess(text, top=top, community=community, include_inactive=include_inactive).matches

    def assess(
        self, text: str, *, top: int = 3, community: str | None = None, include_inactive: bool = False
    ) -> Assessment:
        """The matches to offer and whether the message asks for help at all (see Assessment)."""
        folded, reading = self.read(text)
        if self._semantic is None:
            return self._lexical_assessment(reading, top, community, include_inactive)
        channels = self.channels(folded, reading, community, include_inactive)
        if channels is None:
            return Assessment([], 0.0, 0.0, None, self._talk(folded))
        ranked, signals = weigh_channels(channels, self._gate)
        vector = signals.vector()
        need, fit = self._gate.need.probability(vector), self._gate.confidence(vector)
        if self._bare_name(reading, ranked[0].position, len(folded)):
            # A message that is no more than a service's own name or keyword ("送饭上门") asks for it.
            need = fit = max(fit, BARE_NAME_CONFIDENCE)
        if signals.share1 < LACKING_SHARE * signals.best_share:
            # The community lacks the service the message is about ("送饭" where nobody delivers meals): its
            # nearest other service is no answer; the need goes to staff.
            fit = 0.0
        if top <= 0:
            return Assessment([], need, fit, signals, signals.talk)
        scored = [(item.position, self._gate.offer_score(fit, item.share, ranked[0].share)) for item in ranked[:top]]
        matches = self._explained(reading, [(p, score) for p, score in scored if score >= self.threshold])
        return Assessment(matches, need, fit, signals, signals.talk)

    def read(self, text: str) -> tuple[str, Reading]:
        """A message as both channels take it: cut to MAX_NEED_CHARS, dialect and slips folded, and the cue
        reader's reading of it."""
        folded = self._dialect.fold(text[:MAX_NEED_CHARS])
        return folded, self._analyzer.read(folded)

    def _lexical_assessment(
        self, reading: Reading, top: int, community: str | None, include_inactive: bool
    ) -> Assessment:
        """The lexical channel alone, with its own threshold (a matcher built with semantic=False)."""
        found = self._rank(reading, top, community, include_inactive)
        matches = self._explained(reading, [(c.position, c.score) for c in found if c.score >= self.threshold])
        return Assessment(matches, 1.0 if matches else 0.0, 1.0 if matches else 0.0, None)

    def _explained(self, reading: Reading, shown: list[tuple[int, float]]) -> list[Match]:
        """Matches for these (position, score) pairs, each with the words that met (or, found by meaning alone,
        SEMANTIC_REASON)."""
        held = self._held_keys(reading.features, [position for position, _ in shown])
        matches = []
        for position, score in shown:
            entry = self.entries[position]
            reason = explain(reading.features, held[position], self._service_text(position), self._group_terms)
            matches.append(Match(entry.service_id, entry.name, score, reason or SEMANTIC_REASON))
        return matches

    def _bare_name(self, reading: Reading, position: int, length: int) -> bool:
        """Whether a short message, mentioning nothing only in passing, holds the service's name or keyword."""
        return (
            length <= BARE_NAME_MAX_CHARS
            and "|" not in reading.unframed
            and self._names_itself(position, reading.unframed, things=True)
        )

    def _talk(self, folded: str) -> str:
        return self._semantic.query(folded).talk if self._semantic is not None else ""

    def channels(self, folded: str, reading: Reading, community: str | None, include_inactive: bool) -> Channels | None:
        """Candidate services with both channels' features (None when there is no service to rank).

        Candidates come from the whole catalogue, not only the community's services: the softmax over them says
        how sure the ranking is, and a need whose service the community lacks ("送饭" where nobody delivers
        meals) must not look sure of the community's nearest other service. Only the community's are offered."""
        semantic = self._semantic
        assert semantic is not None, "channels() weighs both channels; a lexical-only matcher has one"
        allowed = self._allowed(community, include_inactive)
        if not self.entries or not allowed.any():
            return None
        usable = self._allowed(None, include_inactive)
        lexical = {c.position: c for c in self._rank(reading, LEXICAL_POOL, None, include_inactive)}
        if community is not None:
            lexical |= {c.position: c for c in self._rank(reading, LEXICAL_POOL, community, include_inactive)}
        query = semantic.query(folded)
        found: set[int] = set(lexical)
        for mask in (usable, allowed) if community is not None else (usable,):
            every = bool(mask.all())
            positions = np.arange(len(self.entries)) if every else np.flatnonzero(mask)
            pool = min(SEMANTIC_POOL, len(positions))
            found.update(semantic.nearest(query, None if every else positions, pool).tolist())
            examples = semantic.examples(query, None if every else positions)
            found.update(positions[np.argpartition(-examples, pool - 1)[:pool]].tolist())
        chosen = np.array(sorted(found), dtype=np.int64)
        features = np.zeros((len(chosen), len(RANK_FEATURES)), dtype=np.float64)
        column = {name: k for k, name in enumerate(RANK_FEATURES)}
        best_lexical = max(lexical.values(), key=lambda c: c.score).position if lexical else -1
        for row, position in enumerate(chosen.tolist()):
            candidate = lexical.get(position)
            if candidate is not None:
                features[row, column["lexical"]] = candidate.score / 100.0
                features[row, column["anchored"]] = float(candidate.anchored)
                features[row, column["lexical_best"]] = float(position == best_lexical)
        features[:, column["doc"]] = semantic.doc(query, chosen)
        features[:, column["examples"]] = semantic.examples(query, chosen)
        names, descriptions, same_category, concept_ties = semantic.detail(query, chosen)
        features[:, column["name"]] = names
        features[:, column["description"]] = descriptions
        features[:, column["concept_category"]] = same_category
        if self._qualified.shape[1]:
            narrower = (self._qualified[chosen] & ~self._qualifiers.mentioned(folded)).any(axis=1)
            features[:, column["narrower"]] = narrower
        add_gaps(features)
        return Channels(
            Candidates(chosen, features, allowed[chosen]),
            query.vector,
            query.best_example,
            query.best_not_need,
            semantic.best_offered(query),
            concept_ties,
            query.talk,
            reading.mode,
            reading.skill,
            reading.unframed.count("|") / max(len(reading.unframed), 1),
            len(reading.features),
            len(folded),
        )

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
        """The lexical channel's `limit` best-scoring services with their raw evidence, no gate applied
        (for tuning and diagnostics; `match` is what callers want)."""
        _, reading = self.read(text)
        return self._rank(reading, limit, community, include_inactive)

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
