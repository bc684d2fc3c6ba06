"""Whether a message is a need, and whether a service fits it: two small logistic models over both channels.

One fixed threshold on a lexical score threw away the right answer for one resident in five (a need that
never names its service scores low) and let remarks through (开锁师傅昨天来过了 names 开锁). The decision is
made here instead, from features of the whole message:

- both channels' scores for the best services and the margin to the next one;
- how close the message comes to the example needs and to the messages that ask for nothing (bank.py);
- its form as the cue reader sees it (a request, a wh-question, a yes-no question, a plain statement) and
  whether it names anything the lexical engine knows.

`need` says whether the message asks for help at all (a greeting, thanks or a remark do not; a need no
service fits does); `fit` whether one of the catalogue's services answers it. Both are fitted from labelled
data in the repository by `python -m core.matching.fit_gate`, which writes data/gate.json; the shipped file
is what that command reproduces.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from core.matching.analyzer import INQUIRY, NEED, PLAIN, QUESTION
from core.matching.normalize import DATA_DIR
from core.matching.ranker import RANK_FEATURES, RankerModel

GATE_FILE = DATA_DIR / "gate.json"
# The lexical engine's own threshold (0–1): what it would have accepted alone is one thing the gate weighs.
LEXICAL_THRESHOLD = 0.5

FEATURES = (
    "bias",
    "score1",
    "share1",
    "margin",
    "lex1",
    "lex_max",
    "lexical_accepts",
    "anchored",
    "doc1",
    "doc_max",
    "ex1",
    "ex_max",
    "needness",
    "best_example",
    "best_not_need",
    "example_over_not_need",
    "best_offered",
    "best_tie1",
    "mode_need",
    "mode_inquiry",
    "mode_question",
    "mode_plain",
    "skill",
    "framed_share",
    "no_features",
    "log_length",
)


@dataclass(frozen=True)
class Signals:
    """What the gate reads of one message (most in 0–1)."""

    score1: float  # the ranker's score of the first service
    share1: float  # its softmax share among the candidates
    margin: float  # its lead over the second
    lex1: float
    lex_max: float
    anchored: bool
    doc1: float
    doc_max: float
    ex1: float
    ex_max: float
    needness: float  # the text model's probability that the message asks for help (TextModel)
    best_example: float
    best_not_need: float
    best_offered: float  # how strongly the catalogue offers the kind of help of the closest example need
    best_tie1: float  # how strongly that kind of help is tied to the first service
    mode: str
    skill: bool
    framed_share: float  # share of the message the cue reader finds only mentioned (told of the past, thanked for …)
    n_features: int
    length: int
    talk: str = ""  # kind of the closest message that asks for nothing (not a feature: for the reply)
    best_share: float = 1.0  # the catalogue's best candidate's share, offered or not (not a feature)

    def vector(self) -> np.ndarray:
        return np.array(
            [
                1.0,
                self.score1,
                self.share1,
                min(self.margin, 5.0),
                self.lex1,
                self.lex_max,
                float(self.lex_max >= LEXICAL_THRESHOLD),
                float(self.anchored),
                self.doc1,
                self.doc_max,
                self.ex1,
                self.ex_max,
                self.needness,
                self.best_example,
                self.best_not_need,
                self.best_example - self.best_not_need,
                self.best_offered,
                self.best_tie1,
                float(self.mode == NEED),
                float(self.mode == INQUIRY),
                float(self.mode == QUESTION),
                float(self.mode == PLAIN),
                float(self.skill),
                self.framed_share,
                float(self.n_features == 0),
                math.log1p(self.length),
            ],
            dtype=np.float64,
        )


@dataclass(frozen=True)
class LogisticModel:
    weights: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    cut: float  # probability at or above which the answer is yes

    def probability(self, x: np.ndarray) -> float:
        """Recentred so that 0.5 is the cut: at or above 0.5 means yes."""
        z = float(((x - self.mean) / self.scale) @ self.weights) - self._cut_logit
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    @property
    def _cut_logit(self) -> float:
        cut = min(max(self.cut, 1e-9), 1 - 1e-9)
        return math.log(cut / (1 - cut))

    def to_json(self) -> dict[str, object]:
        return {
            "weights": [round(float(w), 6) for w in self.weights],
            "mean": [round(float(m), 6) for m in self.mean],
            "scale": [round(float(s), 6) for s in self.scale],
            "cut": round(self.cut, 4),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LogisticModel:
        return cls(
            np.array(data["weights"], dtype=np.float64),
            np.array(data["mean"], dtype=np.float64),
            np.array(data["scale"], dtype=np.float64),
            float(data["cut"]),
        )


@dataclass(frozen=True)
class TextModel:
    """Logistic regression on the message's sentence vector: does this read like a request for help? Learnt from
    the example needs and the messages that ask for nothing (bank.py) and the labelled sets; it knows no
    catalogue, so it carries over to any."""

    weights: np.ndarray  # (DIMENSIONS,)
    bias: float

    def probability(self, vector: np.ndarray) -> float:
        z = float(vector @ self.weights) + self.bias
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def to_json(self) -> dict[str, object]:
        return {"weights": [round(float(w), 5) for w in self.weights], "bias": round(self.bias, 5)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TextModel:
        return cls(np.array(data["weights"], dtype=np.float32), float(data["bias"]))


@dataclass(frozen=True)
class Gate:
    """The fitted ranking weights and the models."""

    ranker: RankerModel
    need: LogisticModel
    fit: LogisticModel
    text: TextModel | None = None
    # A runner-up's score is the gate's confidence times (its softmax share / the first's) to this power.
    runner_up_exponent: float = 0.5

    def offer_score(self, confidence: float, share: float, best_share: float) -> float:
        """0–100, one decimal: the first service scores the gate's confidence; a runner-up that, scaled by how
        close its ranking share comes to the first's (to the power runner_up_exponent)."""
        relative = share / best_share if best_share > 0 else 0.0
        return round(100 * confidence * relative**self.runner_up_exponent, 1)

    def confidence(self, vector: np.ndarray) -> float:
        """0–1, at or above 0.5 when the message is a need and a service fits it (both models agree)."""
        return min(self.need.probability(vector), self.fit.probability(vector))

    def needness(self, vector: np.ndarray | None) -> float:
        return self.text.probability(vector) if self.text is not None and vector is not None else 0.5

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "rank_features": list(RANK_FEATURES),
            "ranker": self.ranker.to_json(),
            "runner_up_exponent": self.runner_up_exponent,
            "need": self.need.to_json(),
            "fit": self.fit.to_json(),
            "text": self.text.to_json() if self.text else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Gate:
        if list(data["features"]) != list(FEATURES) or list(data["rank_features"]) != list(RANK_FEATURES):
            raise ValueError("gate.json was fitted for other features: run python -m core.matching.fit_gate")
        return cls(
            RankerModel.from_json(data["ranker"]),
            LogisticModel.from_json(data["need"]),
            LogisticModel.from_json(data["fit"]),
            TextModel.from_json(data["text"]) if data.get("text") else None,
            float(data["runner_up_exponent"]),
        )


def neutral_gate(ranker: RankerModel | None = None) -> Gate:
    """A gate that says yes to everything (for fitting: the ranking is learnt before the models)."""
    zeros = np.zeros(len(FEATURES))
    ones = np.ones(len(FEATURES))
    yes = LogisticModel(zeros, zeros, ones, 1e-6)
    if ranker is None:
        weights = np.array([1.0 if f in ("lexical", "doc", "examples") else 0.0 for f in RANK_FEATURES])
        ranker = RankerModel.linear_only(weights)
    return Gate(ranker, yes, yes)


@cache
def default_gate() -> Gate:
    return Gate.from_json(json.loads(GATE_FILE.read_text(encoding="utf-8")))
