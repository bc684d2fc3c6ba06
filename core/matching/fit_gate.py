"""Fit the ranking weights and the two gate models from labelled data in the repository; write data/gate.json.

    python -m core.matching.fit_gate            # prints what it fitted and how it does on its own data

The training data are the retired needs sets (tests/data/needs_*.csv, tests/core/data/needs_dev.csv, on the
project's catalogue), the training catalogues in tests/data/train/ (other cities' catalogues with needs
written for them), and messages that ask for nothing (tests/data/train/not_needs_fit.csv, written apart from
the bank's). The blind held-out sets in tests/data/blind/ are never read here. Deterministic: the same data give
the same file.

1. Ranking: the weights of ranker.RANK_FEATURES, fitted as a conditional logit (the right service's share among
   each need's candidates made as large as it can be), each catalogue counting the same.
2. The text model (gate.TextModel): logistic regression on sentence vectors, need or talk, from the bank and the
   labelled rows; the rows' own values for the next step are cross-fitted (a model that did not see the row).
3. `need`: logistic regression over the gate's features, label "this asks for help" (a need no service fits
   included; rows whose kind is not known are left out); `fit`, among the needs only: "a service of the
   catalogue answers it". Both L2-regularised, each catalogue and each class weighing the same; each cut keeps
   a set share of the positives of the training data (FIT_POSITIVES_KEPT, NEED_POSITIVES_KEPT).
"""

from __future__ import annotations

import csv
import json
import math
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from core.catalog import parse_catalog
from core.matching.gate import FEATURES, GATE_FILE, Gate, LogisticModel, Signals, TextModel, neutral_gate
from core.matching.matcher import Channels, Matcher, weigh_channels
from core.matching.ranker import RANK_FEATURES, softmax
from core.matching.semantic import BankVectors

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
TRAIN = DATA / "train"
# What blank `expected` means, by the row's note or kind: talk (not a need) or a need no service fits.
CHAT_NOTES = ("chat", "chitchat", "greeting", "thanks", "remark", "meta", "past", "hard_", "smalltalk", "ack")
NEED_NOTES = ("oos",)
# Cuts on the training data: real needs answered with nothing at most this share (the target is 4% on data
# never seen, so the training point leaves room).
FIT_POSITIVES_KEPT = 0.985
NEED_POSITIVES_KEPT = 0.985
L2 = 1.0
RANK_L2 = 0.01
EXPONENTS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
TOP3_SLACK = 0.005
TEXT_L2 = 1e-3
TEXT_FOLDS = 5


@dataclass(frozen=True)
class Row:
    text: str
    expected: str
    need: bool | None  # None: not known whether it asks for help


def _label(expected: str, note: str) -> bool | None:
    if expected:
        return True
    note = note.strip().lower()
    if note.startswith(NEED_NOTES):
        return True
    if note.startswith(CHAT_NOTES) or note in ("", "emoji", "botq", "complaint", "noise"):
        return False if note else None
    return None


def read_rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = []
        for row in csv.DictReader(handle):
            expected = (row.get("expected") or "").strip()
            kind = (row.get("kind") or "").strip()
            if kind:
                need = None if kind not in ("need", "oos", "chat") else kind != "chat"
                if expected:
                    need = True
            else:
                need = _label(expected, row.get("note") or "")
            rows.append(Row(row["text"], expected, need))
        return rows


def training_sets() -> list[tuple[Path, list[Path]]]:
    ours = (
        DATA / "catalog.csv",
        [*sorted(DATA.glob("needs_*.csv")), ROOT / "tests" / "core" / "data" / "needs_dev.csv"],
    )
    others = [(c, [c.with_name(c.name.replace("_catalog", "_needs"))]) for c in sorted(TRAIN.glob("*_catalog.csv"))]
    return [ours, *others]


@dataclass
class Prepared:
    rows: list[Row]
    channels: list[Channels]
    ids: list[str]
    signals: list[Signals] = field(default_factory=list)  # with cross-fitted needness (main)


def prepare(matcher: Matcher, rows: list[Row]) -> list[Channels]:
    out = []
    for row in rows:
        folded = matcher._dialect.fold(row.text)
        reading = matcher._analyzer.read(folded)
        channels = matcher.channels(folded, reading, None, False)
        assert channels is not None
        out.append(channels)
    return out


def top1(prepared: Prepared, gate: Gate) -> float:
    hits = total = 0
    for row, channels in zip(prepared.rows, prepared.channels, strict=True):
        if row.expected:
            ranked, _ = weigh_channels(channels, gate)
            hits += prepared.ids[ranked[0].position] == row.expected
            total += 1
    return hits / max(total, 1)


def fit_ranker(prepared: list[Prepared]) -> tuple[float, ...]:
    """Conditional logit over each need's candidates, each catalogue weighing the same; Newton's method."""
    groups: list[tuple[np.ndarray, int, float]] = []
    for p in prepared:
        usable = []
        for row, channels in zip(p.rows, p.channels, strict=True):
            if not row.expected:
                continue
            ids = [p.ids[i] for i in channels.candidates.positions.tolist()]
            if row.expected in ids:
                usable.append((channels.candidates.features, ids.index(row.expected)))
        for features, right in usable:
            groups.append((features, right, 1.0 / len(usable)))
    k = len(RANK_FEATURES)

    def loss(w: np.ndarray) -> float:
        total = 0.5 * RANK_L2 * float(w @ w)
        for features, right, weight in groups:
            values = features @ w
            top = values.max()
            total += weight * (top + math.log(np.exp(values - top).sum()) - values[right])
        return total

    w = np.zeros(k)
    current = loss(w)
    for _ in range(100):
        gradient = RANK_L2 * w
        hessian = np.diag(np.full(k, RANK_L2))
        for features, right, weight in groups:
            p = softmax(features @ w)
            mean = p @ features
            gradient += weight * (mean - features[right])
            centred = features - mean
            hessian += weight * (centred.T * p) @ centred
        step = np.linalg.solve(hessian, gradient)
        size = 1.0
        while size > 1e-4 and loss(w - size * step) > current:  # damped: never a step that makes it worse
            size /= 2
        w = w - size * step
        previous, current = current, loss(w)
        if previous - current < 1e-9:
            break
    return tuple(float(x) for x in w)


def runner_up_exponent(prepared: list[Prepared], gate: Gate) -> float:
    """How steeply runners-up lose score: the steepest (fewest buttons) that keeps top-3 (the mean over the
    catalogues) within TOP3_SLACK of offering every runner-up the gate lets through."""
    outcomes = []
    for exponent in EXPONENTS:
        trial = replace(gate, runner_up_exponent=exponent)
        top3s, offers = [], []
        for p in prepared:
            hits = shown = total = 0
            for row, channels, signals in zip(p.rows, p.channels, p.signals, strict=True):
                if not row.expected:
                    continue
                ranked, _ = weigh_channels(channels, trial)
                fit = trial.confidence(signals.vector())
                best = ranked[0].share
                offered = [r for r in ranked[:3] if 100 * fit * (r.share / best) ** exponent >= 50]
                hits += row.expected in [p.ids[r.position] for r in offered]
                shown += len(offered)
                total += 1
            top3s.append(hits / max(total, 1))
            offers.append(shown / max(total, 1))
        top3, offered_mean = sum(top3s) / len(top3s), sum(offers) / len(offers)
        outcomes.append((exponent, top3, offered_mean))
        print(f"  exponent {exponent}: top3 {top3:.3f}, {offered_mean:.2f} offered", file=sys.stderr)
    best_top3 = max(top3 for _, top3, _ in outcomes)
    return max(e for e, top3, _ in outcomes if top3 >= best_top3 - TOP3_SLACK)


def fit_logistic(x: np.ndarray, y: np.ndarray, groups: np.ndarray, keep: float) -> LogisticModel:
    """L2-regularised logistic regression; each group (catalogue) and, within it, each class weighs the same.
    The cut keeps `keep` of the positives (over all groups, each weighing the same)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    mean[0], scale[0] = 0.0, 1.0
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    weights_per_row = np.zeros(len(y))
    for group in np.unique(groups):
        for label in (0, 1):
            chosen = (groups == group) & (y == label)
            if chosen.any():
                weights_per_row[chosen] = len(y) / chosen.sum()
    weights_per_row /= weights_per_row.sum() / len(y)
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], L2)
    penalty[0] = 0.0
    for _ in range(50):  # Newton's method
        p = 1 / (1 + np.exp(-(z @ w)))
        gradient = z.T @ (weights_per_row * (p - y)) + penalty * w
        hessian = (z.T * (weights_per_row * p * (1 - p))) @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    scores = 1 / (1 + np.exp(-(z @ w)))
    positive = y == 1
    order = np.argsort(scores[positive])
    mass = np.cumsum(weights_per_row[positive][order]) / weights_per_row[positive].sum()
    cut = float(scores[positive][order][np.searchsorted(mass, 1 - keep)]) if positive.any() else 0.5
    return LogisticModel(w, mean, scale, cut - 1e-6)


def fit_text_model(vectors: np.ndarray, labels: np.ndarray) -> TextModel:
    """Logistic regression on sentence vectors, classes weighed equally, L2 (TEXT_L2 per row); Newton's method."""
    x = np.hstack([vectors.astype(np.float64), np.ones((len(vectors), 1))])
    weight = np.where(labels == 1, 0.5 / max(labels.mean(), 1e-9), 0.5 / max(1 - labels.mean(), 1e-9))
    penalty = np.full(x.shape[1], TEXT_L2 * len(labels))
    penalty[-1] = 0.0
    w = np.zeros(x.shape[1])
    for _ in range(30):
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (weight * (p - labels)) + penalty * w
        hessian = (x.T * (weight * p * (1 - p))) @ x + np.diag(penalty + 1e-6)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return TextModel(w[:-1].astype(np.float32), float(w[-1]))


def text_needness(prepared: list[Prepared], bank: BankVectors) -> tuple[TextModel, list[list[float]]]:
    """The text model fitted on the bank and every labelled row, and for each row its needness from a model
    that did not see it (TEXT_FOLDS-fold cross-fitting), so that the gate learns how far to trust it."""
    bank_x = np.vstack([bank.examples, bank.not_needs])
    bank_y = np.concatenate([np.ones(len(bank.examples)), np.zeros(len(bank.not_needs))])
    rows = [(i, j) for i, p in enumerate(prepared) for j, r in enumerate(p.rows) if r.need is not None]
    row_x = np.array([prepared[i].channels[j].vector for i, j in rows])
    row_y = np.array([float(prepared[i].rows[j].need) for i, j in rows])
    needness = [[0.5] * len(p.rows) for p in prepared]
    folds = np.arange(len(rows)) % TEXT_FOLDS
    for fold in range(TEXT_FOLDS):
        train = folds != fold
        model = fit_text_model(np.vstack([bank_x, row_x[train]]), np.concatenate([bank_y, row_y[train]]))
        for k in np.flatnonzero(~train).tolist():
            i, j = rows[k]
            needness[i][j] = model.probability(row_x[k])
    unknown = [(i, j) for i, p in enumerate(prepared) for j, r in enumerate(p.rows) if r.need is None]
    final = fit_text_model(np.vstack([bank_x, row_x]), np.concatenate([bank_y, row_y]))
    for i, j in unknown:
        vector = prepared[i].channels[j].vector
        needness[i][j] = final.probability(vector) if vector is not None else 0.5
    return final, needness


def main() -> int:
    prepared: list[Prepared] = []
    bank: BankVectors | None = None
    for catalog, needs_files in training_sets():
        entries = parse_catalog(catalog).entries
        matcher = Matcher.build(entries, gate=neutral_gate())
        assert matcher._semantic is not None
        bank = matcher._semantic.vectors
        rows = [r for path in needs_files if path.is_file() for r in read_rows(path)]
        if catalog == DATA / "catalog.csv" and (TRAIN / "not_needs_fit.csv").is_file():
            rows += read_rows(TRAIN / "not_needs_fit.csv")
        prepared.append(Prepared(rows, prepare(matcher, rows), [e.service_id for e in entries]))
        print(f"{catalog.name}: {len(rows)} rows", file=sys.stderr)
    assert bank is not None

    weights = fit_ranker(prepared)
    ranking = neutral_gate(weights)
    described = ", ".join(f"{n} {w:.3f}" for n, w in zip(RANK_FEATURES, weights, strict=True))
    print(f"ranking weights {described}", file=sys.stderr)
    for p in prepared:
        print(f"  top1 {top1(p, ranking):.3f}", file=sys.stderr)

    text, needness = text_needness(prepared, bank)
    x, fits, needs, groups = [], [], [], []
    for number, p in enumerate(prepared):
        for j, (row, channels) in enumerate(zip(p.rows, p.channels, strict=True)):
            _, signals = weigh_channels(channels, ranking)
            p.signals.append(replace(signals, needness=needness[number][j]))
            x.append(p.signals[-1].vector())
            fits.append(1.0 if row.expected else 0.0)
            needs.append(-1.0 if row.need is None else float(row.need))
            groups.append(number)
    matrix, fit_y, need_y, group = np.array(x), np.array(fits), np.array(needs), np.array(groups)
    known = need_y >= 0
    need = fit_logistic(matrix[known], need_y[known], group[known], NEED_POSITIVES_KEPT)
    # `fit` is learnt among the needs only: which of them a service of the catalogue answers.
    needs_only = need_y == 1
    fit = fit_logistic(matrix[needs_only], fit_y[needs_only], group[needs_only], FIT_POSITIVES_KEPT)
    oof = np.array([r for rows in needness for r in rows])
    print(
        f"text model (cross-fitted): needs kept {np.mean(oof[need_y == 1] >= 0.5):.3f}, "
        f"talk recognised {np.mean(oof[need_y == 0] < 0.5):.3f}",
        file=sys.stderr,
    )
    exponent = runner_up_exponent(prepared, Gate(weights, need, fit, text))
    gate = Gate(weights, need, fit, text, exponent)
    print(f"runner-up exponent {exponent}", file=sys.stderr)
    GATE_FILE.write_text(json.dumps(gate.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    fit_p = np.array([min(fit.probability(v), need.probability(v)) for v in matrix])
    print(
        f"fit: positives kept {np.mean(fit_p[fit_y == 1] >= 0.5):.3f}, negatives rejected "
        f"{np.mean(fit_p[fit_y == 0] < 0.5):.3f}; features {len(FEATURES)}; wrote {GATE_FILE.name}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
