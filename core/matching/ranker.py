"""How the channels' scores for one service are weighed into one ranking score.

Each candidate service of a message gets a few numbers (RANK_FEATURES); its ranking score is their weighted
sum, and the services' scores through a softmax say how sure the ranking is of its first answer. The weights
are fitted (fit_gate.py) as a conditional logit: over the labelled needs of several catalogues, the chance
given to the right service among the candidates is made as large as it can be.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RANK_FEATURES = (
    "lexical",  # the lexical engine's calibrated score, 0–1 (0 outside its pool)
    "anchored",  # the lexical match rests on a synonym group or the service's own words
    "doc",  # cosine of the message with the service's whole text
    "name",  # … with its name and keywords alone
    "description",  # … with its description alone
    "examples",  # best example need tied to the service, times the tie
    "concept_category",  # the closest example need is of the service's category (that cosine, else 0)
    "narrower",  # the service is for a group the message never mentions (qualifiers.py)
    "lexical_best",  # the lexical engine ranks it first
)


@dataclass(frozen=True)
class Candidates:
    positions: np.ndarray  # (m,) catalogue positions
    features: np.ndarray  # (m, len(RANK_FEATURES))


def scores(candidates: Candidates, weights: np.ndarray) -> np.ndarray:
    return candidates.features @ weights


def softmax(values: np.ndarray) -> np.ndarray:
    shifted = np.exp(values - values.max())
    return shifted / shifted.sum()
