"""Fit the ranking weights and the two gate models from labelled data in the repository; write data/gate.json.

    python -m core.matching.fit_gate            # prints what it fitted and how it does on its own data
    python -m core.matching.fit_gate --check    # refits and compares with the shipped file (a test runs this)

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

import argparse
import csv
import json
import math
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from core.catalog import parse_catalog
from core.matching.bank import default_bank
from core.matching.dialect import default_dialect
from core.matching.encoder import default_encoder
from core.matching.gate import FEATURES, GATE_FILE, Gate, LogisticModel, Signals, TextModel, neutral_gate
from core.matching.matcher import Channels, Matcher, weigh_channels
from core.matching.ranker import HIDDEN, RankerModel
from core.matching.scoring import DEFAULT_THRESHOLD
from core.matching.semantic import BankVectors, bank_vectors

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
RANK_L2 = 1e-3
RANK_STEPS = 600
RANK_RATE = 0.02
RANK_SEED = 10
EXPONENTS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
TOP3_SLACK = 0.005
TEXT_L2 = 1e-3
# How close a refit must come to the shipped numbers (`--check`): other BLAS builds round differently.
CHECK_TOLERANCE = 2e-3
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


def training_sets() -> list[tuple[str, Path, list[Path]]]:
    """(name, catalogue, needs files) of every training catalogue: the project's own with its retired needs
    sets, and the other cities' in tests/data/train/."""
    ours = [*sorted(DATA.glob("needs_*.csv")), ROOT / "tests" / "core" / "data" / "needs_dev.csv"]
    found = [("sanshe", DATA / "catalog.csv", ours)]
    for catalog in sorted(TRAIN.glob("*_catalog.csv")):
        name = catalog.name.removesuffix("_catalog.csv")
        found.append((name, catalog, [catalog.with_name(f"{name}_needs.csv")]))
    return found


@dataclass
class Prepared:
    rows: list[Row]
    channels: list[Channels]
    ids: list[str]
    signals: list[Signals] = field(default_factory=list)  # with cross-fitted needness (main)
    crossed: RankerModel | None = None  # the ranker fitted without this catalogue


def prepare(matcher: Matcher, rows: list[Row]) -> list[Channels]:
    out = []
    for row in rows:
        folded, reading = matcher.read(row.text)
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


def fit_ranker(prepared: list[Prepared]) -> RankerModel:
    """Conditional logit over each need's candidates, each catalogue weighing the same: first the linear part
    (Newton's method), then with the hidden layer (Adam from a fixed seed, RANK_STEPS steps)."""
    groups: list[tuple[np.ndarray, int, float]] = []
    for p in prepared:
        usable = []
        for row, channels in zip(p.rows, p.channels, strict=True):
            if not row.expected:
                continue
            ids = [p.ids[i] for i in channels.candidates.positions.tolist()]
            if row.expected in ids:
                usable.append((channels.candidates.features, ids.index(row.expected)))
        groups.extend((features, right, 1.0 / len(usable)) for features, right in usable)
    stacked = np.vstack([f for f, _, _ in groups])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0)
    scale[scale < 1e-9] = 1.0
    width = max(len(f) for f, _, _ in groups)
    k = stacked.shape[1]
    x = np.zeros((len(groups), width, k))
    present = np.zeros((len(groups), width), dtype=bool)
    for n, (features, _, _) in enumerate(groups):
        x[n, : len(features)] = (features - mean) / scale
        present[n, : len(features)] = True
    right = np.array([r for _, r, _ in groups])
    weight = np.array([w for _, _, w in groups])
    weight /= weight.sum()
    rows = np.arange(len(groups))

    flat = x.reshape(-1, k)

    def forward(params: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, float]:
        hidden = np.tanh(flat @ params["hidden_in"].T + params["hidden_bias"])
        values = (flat @ params["linear"] + hidden @ params["hidden_out"]).reshape(present.shape)
        values = np.where(present, values, -1e9)
        values -= values.max(axis=1, keepdims=True)
        shares = np.exp(values) * present
        shares /= shares.sum(axis=1, keepdims=True)
        loss = -float(weight @ np.log(shares[rows, right] + 1e-12))
        loss += 0.5 * RANK_L2 * sum(float((v**2).sum()) for key, v in params.items() if key != "hidden_bias")
        return hidden, shares, loss

    rng = np.random.default_rng(RANK_SEED)
    params = {
        "linear": np.zeros(k),
        "hidden_in": rng.normal(0.0, 0.3, (HIDDEN, k)),
        "hidden_bias": np.zeros(HIDDEN),
        "hidden_out": np.zeros(HIDDEN),
    }
    moments = {key: (np.zeros_like(v), np.zeros_like(v)) for key, v in params.items()}
    for step in range(1, RANK_STEPS + 1):
        hidden, shares, _ = forward(params)
        delta = shares.copy()
        delta[rows, right] -= 1.0
        delta = (delta * weight[:, None]).ravel()
        back = (delta[:, None] * params["hidden_out"]) * (1 - hidden**2)
        grads = {
            "linear": flat.T @ delta + RANK_L2 * params["linear"],
            "hidden_out": hidden.T @ delta + RANK_L2 * params["hidden_out"],
            "hidden_in": back.T @ flat + RANK_L2 * params["hidden_in"],
            "hidden_bias": back.sum(axis=0),
        }
        for key, gradient in grads.items():
            first, second = moments[key]
            first[:] = 0.9 * first + 0.1 * gradient
            second[:] = 0.999 * second + 0.001 * gradient**2
            corrected = first / (1 - 0.9**step), second / (1 - 0.999**step)
            params[key] -= RANK_RATE * corrected[0] / (np.sqrt(corrected[1]) + 1e-8)
    _, _, loss = forward(params)
    print(f"ranker loss {loss:.4f} over {len(groups)} needs", file=sys.stderr)
    return RankerModel(mean, scale, params["linear"], params["hidden_in"], params["hidden_bias"], params["hidden_out"])


def runner_up_exponent(prepared: list[Prepared], gate: Gate) -> float:
    """How steeply runners-up lose score: the steepest (fewest buttons) that keeps top-3 (the mean over the
    catalogues) within TOP3_SLACK of offering every runner-up the gate lets through."""
    outcomes = []
    for exponent in EXPONENTS:
        top3s, offers = [], []
        for p in prepared:
            # Ranked as a new catalogue would be (by the ranker fitted without this one): in-sample rankings
            # are surer of their first answer than the engine will be.
            trial = replace(gate, ranker=p.crossed or gate.ranker, runner_up_exponent=exponent)
            hits = shown = total = 0
            for row, channels, signals in zip(p.rows, p.channels, p.signals, strict=True):
                if not row.expected:
                    continue
                ranked, _ = weigh_channels(channels, trial)
                fit = trial.confidence(signals.vector())
                scores = [(r, trial.offer_score(fit, r.share, ranked[0].share)) for r in ranked[:3]]
                offered = [r for r, score in scores if score >= DEFAULT_THRESHOLD]
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


def newton_logistic(
    x: np.ndarray, y: np.ndarray, row_weight: np.ndarray, penalty: np.ndarray, *, steps: int, tolerance: float
) -> np.ndarray:
    """Weights of an L2-penalised, row-weighted logistic regression, by Newton's method from zero."""
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (row_weight * (p - y)) + penalty * w
        hessian = (x.T * (row_weight * p * (1 - p))) @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < tolerance:
            break
    return w


def fit_logistic(x: np.ndarray, y: np.ndarray, groups: np.ndarray, keep: float) -> LogisticModel:
    """L2-regularised logistic regression; each group (catalogue) and, within it, each class weighs the same.
    The cut keeps `keep` of the positives (each group weighing the same), judged on scores each row gets from a
    model fitted without its group: the cut is meant for catalogues the model has not seen."""
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
    penalty = np.full(x.shape[1], L2)
    penalty[0] = 0.0

    def fitted(rows: np.ndarray) -> np.ndarray:
        return newton_logistic(z[rows], y[rows], weights_per_row[rows], penalty, steps=50, tolerance=1e-8)

    w = fitted(np.ones(len(y), dtype=bool))
    unseen = z @ w
    if len(np.unique(groups)) > 1:
        for group in np.unique(groups):
            unseen[groups == group] = z[groups == group] @ fitted(groups != group)
    positive = y == 1
    order = np.argsort(unseen[positive])
    mass = np.cumsum(weights_per_row[positive][order]) / weights_per_row[positive].sum()
    cut_logit = float(unseen[positive][order][np.searchsorted(mass, 1 - keep)]) if positive.any() else 0.0
    cut = 1 / (1 + math.exp(-max(min(cut_logit, 40.0), -40.0)))
    return LogisticModel(w, mean, scale, cut - 1e-6)


def fit_text_model(vectors: np.ndarray, labels: np.ndarray) -> TextModel:
    """Logistic regression on sentence vectors, classes weighed equally, L2 (TEXT_L2 per row); Newton's method."""
    x = np.hstack([vectors.astype(np.float64), np.ones((len(vectors), 1))])
    weight = np.where(labels == 1, 0.5 / max(labels.mean(), 1e-9), 0.5 / max(1 - labels.mean(), 1e-9))
    penalty = np.full(x.shape[1], TEXT_L2 * len(labels))
    penalty[-1] = 0.0
    w = newton_logistic(x, labels, weight, penalty, steps=30, tolerance=1e-6)
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


def prepare_all() -> tuple[list[Prepared], BankVectors]:
    """Every training catalogue's rows through both channels, with the shipped bank and its vectors."""
    encoder = default_encoder()
    bank = default_bank().folded(default_dialect().fold)
    vectors = bank_vectors(bank, encoder)
    prepared = []
    for _name, catalog, needs_files in training_sets():
        entries = parse_catalog(catalog).entries
        matcher = Matcher.build(entries, gate=neutral_gate(), bank=bank, vectors=vectors, encoder=encoder)
        rows = [r for path in needs_files if path.is_file() for r in read_rows(path)]
        if catalog == DATA / "catalog.csv" and (TRAIN / "not_needs_fit.csv").is_file():
            rows += read_rows(TRAIN / "not_needs_fit.csv")
        prepared.append(Prepared(rows, prepare(matcher, rows), [e.service_id for e in entries]))
        print(f"{catalog.name}: {len(rows)} rows", file=sys.stderr)
    return prepared, vectors


def differing(fitted: object, shipped: object, path: str = "") -> list[str]:
    """Where two gate files differ by more than rounding and the machine's arithmetic (CHECK_TOLERANCE)."""
    if isinstance(fitted, dict) and isinstance(shipped, dict):
        if fitted.keys() != shipped.keys():
            return [path or "/"]
        return [d for key in fitted for d in differing(fitted[key], shipped[key], f"{path}/{key}")]
    if isinstance(fitted, list) and isinstance(shipped, list):
        if len(fitted) != len(shipped):
            return [path]
        return [d for i, (a, b) in enumerate(zip(fitted, shipped, strict=True)) for d in differing(a, b, f"{path}/{i}")]
    if isinstance(fitted, int | float) and isinstance(shipped, int | float):
        return [] if math.isclose(fitted, shipped, rel_tol=CHECK_TOLERANCE, abs_tol=CHECK_TOLERANCE) else [path]
    return [] if fitted == shipped else [path]


def fit_models(prepared: list[Prepared], bank: BankVectors) -> tuple[Gate, np.ndarray, np.ndarray]:
    """The ranker, the text model and the two gate models, and (for the report) the gate's feature matrix and
    whether each row should be matched. The gate learns from each catalogue's rows as ranked by a ranker
    fitted without that catalogue, as it will meet a new community's catalogue."""
    ranker = fit_ranker(prepared)
    for p in prepared:
        print(f"  top1 {top1(p, neutral_gate(ranker)):.3f} (in sample)", file=sys.stderr)
    text, needness = text_needness(prepared, bank)
    x, fits, needs, groups = [], [], [], []
    for number, p in enumerate(prepared):
        others = [q for k, q in enumerate(prepared) if k != number] or prepared
        p.crossed = fit_ranker(others)
        crossed = neutral_gate(p.crossed)
        p.signals.clear()
        for j, (row, channels) in enumerate(zip(p.rows, p.channels, strict=True)):
            _, signals = weigh_channels(channels, crossed)
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
    exponent = runner_up_exponent(prepared, Gate(ranker, need, fit, text))
    print(f"runner-up exponent {exponent}", file=sys.stderr)
    return Gate(ranker, need, fit, text, exponent), matrix, fit_y


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="fit the matching engine's ranker and gate (data/gate.json)")
    parser.add_argument("--check", action="store_true", help="refit and compare with the shipped file; write nothing")
    args = parser.parse_args(argv)
    prepared, bank = prepare_all()
    gate, matrix, fit_y = fit_models(prepared, bank)
    if args.check:
        shipped = json.loads(GATE_FILE.read_text(encoding="utf-8"))
        differences = list(differing(json.loads(json.dumps(gate.to_json())), shipped))
        for path in differences[:10]:
            print(f"differs: {path}", file=sys.stderr)
        print("the shipped gate.json is reproduced" if not differences else "gate.json is NOT reproduced")
        return 1 if differences else 0
    GATE_FILE.write_text(json.dumps(gate.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    confidence = np.array([gate.confidence(v) for v in matrix])
    print(
        f"gate: needs a service fits kept {np.mean(confidence[fit_y == 1] >= 0.5):.3f}, the rest rejected "
        f"{np.mean(confidence[fit_y == 0] < 0.5):.3f} (cross-fitted ranking); features {len(FEATURES)}; "
        f"wrote {GATE_FILE.name}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
