"""How the channels' scores for one service are weighed into one ranking score.

Each candidate service of a message gets a few numbers (RANK_FEATURES); its ranking score is a small model of
them: a weighted sum plus a layer of HIDDEN tanh units (how much to trust the examples depends on how the service
text agrees, and on how far each channel's best is ahead). The services' scores through a softmax say how sure
the ranking is of its first answer. The model is fitted (fit_gate.py) as a conditional logit: over the labelled
needs of several catalogues, the share given to the right service among the candidates is made as large as it
can be.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    "lexical_gap",  # how far behind the best candidate by lexical score (0 for the best)
    "doc_gap",  # … by service text
    "examples_gap",  # … by example needs
)
HIDDEN = 12


@dataclass(frozen=True)
class Candidates:
    positions: np.ndarray  # (m,) catalogue positions
    features: np.ndarray  # (m, len(RANK_FEATURES))
    allowed: np.ndarray  # (m,) may be offered (serves the community, active)


def add_gaps(features: np.ndarray) -> None:
    """Fill the *_gap columns from their channels, in place."""
    for channel, gap in (("lexical", "lexical_gap"), ("doc", "doc_gap"), ("examples", "examples_gap")):
        column = features[:, RANK_FEATURES.index(channel)]
        features[:, RANK_FEATURES.index(gap)] = column - column.max() if len(column) else 0.0


@dataclass(frozen=True)
class RankerModel:
    mean: np.ndarray  # (k,)
    scale: np.ndarray  # (k,)
    linear: np.ndarray  # (k,)
    hidden_in: np.ndarray  # (HIDDEN, k)
    hidden_bias: np.ndarray  # (HIDDEN,)
    hidden_out: np.ndarray  # (HIDDEN,)

    def scores(self, features: np.ndarray) -> np.ndarray:
        z = (features - self.mean) / self.scale
        return z @ self.linear + np.tanh(z @ self.hidden_in.T + self.hidden_bias) @ self.hidden_out

    def to_json(self) -> dict[str, object]:
        def rounded(a: np.ndarray) -> object:
            return np.round(a, 6).tolist()

        return {
            "mean": rounded(self.mean),
            "scale": rounded(self.scale),
            "linear": rounded(self.linear),
            "hidden_in": rounded(self.hidden_in),
            "hidden_bias": rounded(self.hidden_bias),
            "hidden_out": rounded(self.hidden_out),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RankerModel:
        return cls(*(np.array(data[k], dtype=np.float64) for k in cls.__dataclass_fields__))

    @classmethod
    def linear_only(cls, weights: np.ndarray) -> RankerModel:
        k = len(weights)
        return cls(np.zeros(k), np.ones(k), weights, np.zeros((HIDDEN, k)), np.zeros(HIDDEN), np.zeros(HIDDEN))


def softmax(values: np.ndarray) -> np.ndarray:
    shifted = np.exp(values - values.max())
    return shifted / shifted.sum()
