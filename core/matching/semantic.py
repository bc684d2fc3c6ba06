"""The semantic channel: a message compared, as a sentence vector, with each service and with the example bank.

Built once per catalogue version (Matcher.build), never per message:
- each service's vector, from its name, keywords and description together;
- each concept of the example bank tied to the services that offer it: a concept's label (name and official
  words) is compared with each service's name and keywords; the services close to it, and of its category, get
  its examples. A catalogue that offers no such service ties nothing to it.

Per message: one encoding (about 2 ms) and three matrix-vector products. The bank's own vectors ship in
data/bank_vectors.npz (made by `python -m core.matching.build_vectors`); when staff have edited the bank its
fingerprint no longer matches and the bank is encoded afresh when the matcher is built.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache

import numpy as np

from core.catalog import ServiceEntry, resolve_category
from core.matching.bank import ExampleBank
from core.matching.encoder import DIMENSIONS, Encoder
from core.matching.normalize import DATA_DIR

VECTORS_FILE = DATA_DIR / "bank_vectors.npz"
# How a concept is tied to a service: cosine of its label with the service's name and keywords, from LINK_LOW
# (nothing) to LINK_HIGH (fully); only services within LINK_MARGIN of the concept's best service count, so a
# concept lends its examples to the service that offers it, not to its neighbours.
LINK_LOW, LINK_HIGH, LINK_MARGIN = 0.40, 0.70, 0.12
SAME_CATEGORY_BONUS = 0.08
# Each service keeps the few concepts tied to it most strongly.
CONCEPTS_PER_SERVICE = 3
# Catalogues larger than this are searched in COARSE_DIMENSIONS first (SemanticIndex.nearest).
COARSE_FROM, COARSE_DIMENSIONS = 2000, 96


@dataclass(frozen=True)
class BankVectors:
    examples: np.ndarray  # (n_examples, d)
    example_concept: np.ndarray  # (n_examples,) concept index
    not_needs: np.ndarray  # (n_not_needs, d)
    not_need_section: np.ndarray  # (n_not_needs,) section index in bank.not_needs
    labels: np.ndarray  # (n_concepts, d)


def encode_bank(bank: ExampleBank, encoder: Encoder) -> BankVectors:
    owners = np.array([i for i, c in enumerate(bank.concepts) for _ in c.examples], dtype=np.int32)
    sections = np.array([i for i, s in enumerate(bank.not_needs) for _ in s.examples], dtype=np.int32)
    return BankVectors(
        encoder.encode(bank.example_texts),
        owners,
        encoder.encode(bank.not_need_texts),
        sections,
        encoder.encode(bank.concept_labels()),
    )


def bank_vectors(bank: ExampleBank, encoder: Encoder) -> BankVectors:
    """The shipped vectors if they were made from this very (folded) bank with this encoder, else encoded now."""
    shipped = _shipped()
    if shipped is not None and shipped[0] == f"{encoder.name}:{bank.fingerprint()}":
        return shipped[1]
    return encode_bank(bank, encoder)


@cache
def _shipped() -> tuple[str, BankVectors] | None:
    if not VECTORS_FILE.is_file():
        return None
    with np.load(VECTORS_FILE) as data:
        vectors = BankVectors(
            data["examples"].astype(np.float32),
            data["example_concept"].astype(np.int32),
            data["not_needs"].astype(np.float32),
            data["not_need_section"].astype(np.int32),
            data["labels"].astype(np.float32),
        )
        return str(data["fingerprint"]), vectors


def save_bank_vectors(bank: ExampleBank, encoder: Encoder) -> None:
    vectors = encode_bank(bank, encoder)
    np.savez_compressed(
        VECTORS_FILE,
        fingerprint=np.array(f"{encoder.name}:{bank.fingerprint()}"),
        examples=vectors.examples.astype(np.float16),
        example_concept=vectors.example_concept,
        not_needs=vectors.not_needs.astype(np.float16),
        not_need_section=vectors.not_need_section,
        labels=vectors.labels.astype(np.float16),
    )
    _shipped.cache_clear()


def service_label(entry: ServiceEntry) -> str:
    return " ".join((entry.name, *entry.keywords))


@dataclass(frozen=True)
class Query:
    """One message as the semantic channel sees it, before any service is scored."""

    vector: np.ndarray
    per_concept: np.ndarray  # (n_concepts,) best cosine with each concept's examples
    best_example: float  # best cosine with any example need
    concept: int  # the concept of that example (-1 if none)
    best_not_need: float  # best cosine with any message that asks for nothing
    talk: str  # the kind of that message (greeting, thanks …; "" if none)


class SemanticIndex:
    def __init__(self, encoder: Encoder, entries: list[ServiceEntry], bank: ExampleBank, vectors: BankVectors) -> None:
        self.encoder = encoder
        self.bank = bank
        self.vectors = vectors
        self.n_concepts = len(bank.concepts)
        dimensions = vectors.labels.shape[1] if vectors.labels.size else DIMENSIONS
        if entries:
            self.descriptions = _encode_unique(encoder, [e.description or e.name for e in entries])
            self.names = _encode_unique(encoder, [service_label(e) for e in entries])
            both = self.descriptions + self.names
            self.services = both / np.maximum(np.linalg.norm(both, axis=1, keepdims=True), 1e-9)
        else:
            self.descriptions = self.names = self.services = np.zeros((0, dimensions), dtype=np.float32)
        # A large catalogue is searched first in fewer dimensions (the bank's principal axes), then exactly.
        self.coarse = _principal_axes(vectors) if len(entries) > COARSE_FROM else None
        self.coarse_services = self.services @ self.coarse if self.coarse is not None else None
        # Examples sorted by concept, so each concept's best is one reduceat over its run.
        order = np.argsort(vectors.example_concept, kind="stable")
        self._examples = vectors.examples[order]
        owners = vectors.example_concept[order]
        self._runs = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]) if len(owners) else owners
        self._run_concepts = owners[self._runs] if len(owners) else owners
        self.service_codes = [_category_code(e.category) for e in entries]
        self.concept_codes = [_category_code(c.category) for c in bank.concepts]
        self.service_concepts, self.service_ties = self._tie(entries, self.names)
        # How strongly each kind of help is offered by some service of the catalogue (0: by none).
        self.offered = np.zeros(self.n_concepts, dtype=np.float32)
        if self.n_concepts and len(entries):
            np.maximum.at(self.offered, self.service_concepts.ravel(), self.service_ties.ravel())

    def _tie(self, entries: list[ServiceEntry], names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each service, its CONCEPTS_PER_SERVICE concepts (index, tie strength in [0, 1])."""
        n, k = len(entries), CONCEPTS_PER_SERVICE
        concepts = np.zeros((n, k), dtype=np.int32)
        ties = np.zeros((n, k), dtype=np.float32)
        if not n or not self.n_concepts:
            return concepts, ties
        link = self.vectors.labels @ names.T  # (concepts, services)
        for c, code in enumerate(self.concept_codes):
            if code:
                link[c] += SAME_CATEGORY_BONUS * np.array([code == s for s in self.service_codes], dtype=np.float32)
        best = link.max(axis=1, keepdims=True)
        strength = np.clip((link - LINK_LOW) / (LINK_HIGH - LINK_LOW), 0.0, 1.0)
        strength[link < best - LINK_MARGIN] = 0.0
        ids = {e.service_id: i for i, e in enumerate(entries)}
        for c, concept in enumerate(self.bank.concepts):
            for service_id in concept.services:
                if service_id in ids:
                    strength[c, ids[service_id]] = 1.0
        order = np.argsort(-strength, axis=0)[:k]  # (k, services)
        concepts[:] = order.T
        ties[:] = np.take_along_axis(strength, order, axis=0).T
        return concepts, ties

    def query(self, text: str) -> Query:
        vector = self.encoder.encode([text])[0]
        vectors = self.vectors
        per_concept = np.full(self.n_concepts, -1.0, dtype=np.float32)
        best_example, concept = 0.0, -1
        if len(vectors.examples):
            sims = self._examples @ vector
            per_concept[self._run_concepts] = np.maximum.reduceat(sims, self._runs)
            top = int(np.argmax(per_concept))
            best_example, concept = float(per_concept[top]), top
        best_not_need, talk = 0.0, ""
        if len(vectors.not_needs):
            talk_sims = vectors.not_needs @ vector
            closest = int(np.argmax(talk_sims))
            best_not_need = float(talk_sims[closest])
            talk = self.bank.not_needs[int(vectors.not_need_section[closest])].name
        return Query(vector, per_concept, best_example, concept, best_not_need, talk)

    def doc(self, query: Query, positions: np.ndarray | None) -> np.ndarray:
        """Cosine with each service's own text (name, keywords, description), for these positions or all."""
        matrix = self.services if positions is None else self.services[positions]
        return matrix @ query.vector

    def nearest(self, query: Query, positions: np.ndarray | None, count: int) -> np.ndarray:
        """Positions of the `count` services closest by their own text, among these positions or all (in a large
        catalogue found in the coarse space first, then checked exactly)."""
        every = np.arange(len(self.services)) if positions is None else positions
        if self.coarse is None or self.coarse_services is None or len(every) <= 4 * count:
            sims = self.doc(query, positions)
        else:
            rough = (self.coarse_services if positions is None else self.coarse_services[positions]) @ (
                query.vector @ self.coarse
            )
            shortlist = every[np.argpartition(-rough, 4 * count - 1)[: 4 * count]]
            return shortlist[np.argsort(-self.doc(query, shortlist), kind="stable")[:count]]
        count = min(count, len(every))
        return every[np.argpartition(-sims, count - 1)[:count]]

    def examples(self, query: Query, positions: np.ndarray | None) -> np.ndarray:
        """Best example tied to each service, times the tie."""
        concepts = self.service_concepts if positions is None else self.service_concepts[positions]
        ties = self.service_ties if positions is None else self.service_ties[positions]
        if not self.n_concepts:
            return np.zeros(len(concepts), dtype=np.float32)
        return (query.per_concept[concepts] * ties).max(axis=1)

    def detail(self, query: Query, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For a few candidates: cosine with the name and keywords alone, with the description alone, whether
        the concept of the closest example is of the service's category (that example's cosine, or 0), and how
        strongly that concept is tied to the service."""
        names = self.names[positions] @ query.vector
        descriptions = self.descriptions[positions] @ query.vector
        code = self.concept_codes[query.concept] if query.concept >= 0 else None
        same = np.array([code is not None and self.service_codes[p] == code for p in positions.tolist()])
        tied = (self.service_concepts[positions] == query.concept) * self.service_ties[positions]
        return names, descriptions, np.where(same, query.best_example, 0.0).astype(np.float32), tied.max(axis=1)

    def best_offered(self, query: Query) -> float:
        """How strongly the catalogue offers the kind of help of the closest example need (0: no service does)."""
        return float(self.offered[query.concept]) if query.concept >= 0 else 0.0


# Service texts already encoded in this process, so that a catalogue version that changed a few services
# re-encodes only those (the matcher is rebuilt on every catalogue change, matcher_cache.py).
_SEEN: dict[tuple[str, str], np.ndarray] = {}
_SEEN_LIMIT = 200_000
_SEEN_LOCK = threading.Lock()


def _encode_unique(encoder: Encoder, texts: list[str]) -> np.ndarray:
    """Each distinct text encoded once (a city's catalogue repeats the same service for many organisations),
    and not again while this process remembers it."""
    with _SEEN_LOCK:
        missing = [t for t in dict.fromkeys(texts) if (encoder.name, t) not in _SEEN]
    fresh = encoder.encode(missing)
    with _SEEN_LOCK:
        if len(_SEEN) + len(missing) > _SEEN_LIMIT:
            _SEEN.clear()
        _SEEN.update({(encoder.name, t): v for t, v in zip(missing, fresh, strict=True)})
        known = {t: _SEEN.get((encoder.name, t)) for t in texts}
    # Texts forgotten by a clear() in between come from `fresh` (they were just encoded).
    by_text = dict(zip(missing, fresh, strict=True))
    return np.array([known[t] if known[t] is not None else by_text[t] for t in texts], dtype=np.float32).reshape(
        len(texts), -1
    )


def _principal_axes(vectors: BankVectors) -> np.ndarray:
    """(d, COARSE_DIMENSIONS): the main directions in which residents' messages differ, from the bank."""
    sample = np.vstack([vectors.examples, vectors.not_needs, vectors.labels]).astype(np.float64)
    sample -= sample.mean(axis=0)
    _, _, axes = np.linalg.svd(sample, full_matrices=False)
    return axes[:COARSE_DIMENSIONS].T.astype(np.float32)


def _category_code(name: str) -> str | None:
    if not name:
        return None
    category = resolve_category(name)
    return category.code if category is not None else None
