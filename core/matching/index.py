"""An inverted index from feature keys to services, scored with numpy so 10,000 services stay fast.

Each posting carries the field boost of the best field the key appears in (name and keywords count
more than the description); term frequency is ignored because catalogue texts are short and repeat
themselves for style, not meaning.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping

import numpy as np

# Rarity weight as a function of the share of services holding a key (not their count), so that
# scores mean the same on a 30-service pilot and a 10,000-service city catalogue. The share is
# smoothed towards a prior of 0.5 holders in 10 services, so that a catalogue of one or two services
# (where every word is "common") still gives its words weight.
_SMOOTHING = 0.02
_PRIOR_HOLDERS = 0.5
_PRIOR_SERVICES = 10


def idf_for_share(share: float) -> float:
    return math.log(1 + (1 - share) / (share + _SMOOTHING))


class InvertedIndex:
    def __init__(self, size: int, postings: dict[str, tuple[np.ndarray, np.ndarray]], mass: dict[str, float]) -> None:
        self.size = size
        self._postings = postings
        self._mass = mass  # key → sum of its boosts: a key only descriptions mention is still rare

    @classmethod
    def build(cls, documents: Iterable[Mapping[str, float]]) -> InvertedIndex:
        """`documents[i]` maps each key of service i to its field boost."""
        doc_ids: dict[str, array] = {}
        boosts: dict[str, array] = {}
        size = 0
        for doc_id, doc in enumerate(documents):
            size = doc_id + 1
            for key, boost in doc.items():
                if key not in doc_ids:
                    doc_ids[key], boosts[key] = array("i"), array("f")
                doc_ids[key].append(doc_id)
                boosts[key].append(boost)
        postings = {
            key: (np.frombuffer(ids, dtype=np.int32), np.frombuffer(boosts[key], dtype=np.float32))
            for key, ids in doc_ids.items()
        }
        mass = {key: float(boost.sum()) for key, (_, boost) in postings.items()}
        return cls(size, postings, mass)

    def holders(self, key: str, positions: np.ndarray) -> np.ndarray:
        """Those of `positions` (services) that hold `key` (posting lists are sorted by service)."""
        posting = self._postings.get(key)
        if posting is None or not len(positions):
            return positions[:0]
        ids = posting[0]
        found = np.searchsorted(ids, positions)
        inside = found < len(ids)
        hit = np.zeros(len(positions), dtype=bool)
        hit[inside] = ids[found[inside]] == positions[inside]
        return positions[hit]

    def idf(self, key: str) -> float:
        """Rarity of a key; an unseen key is as rare as can be."""
        share = (self._mass.get(key, 0.0) + _PRIOR_HOLDERS) / (self.size + _PRIOR_SERVICES)
        return idf_for_share(share)

    def accumulate(self, features: Iterable[list[tuple[str, float]]]) -> np.ndarray:
        """Per service, the sum over features of weight × field boost, where a feature is a list of
        alternative (key, weight) pairs of which the best-scoring one counts (exact word or homophone)."""
        scores = np.zeros(self.size, dtype=np.float32)
        for alternatives in features:
            hits = [(self._postings[k], w) for k, w in alternatives if k in self._postings]
            if len(hits) == 1:
                (ids, boost), weight = hits[0]
                scores[ids] += weight * boost
            elif hits:
                best = np.zeros(self.size, dtype=np.float32)
                for (ids, boost), weight in hits:
                    best[ids] = np.maximum(best[ids], weight * boost)
                scores += best
        return scores
