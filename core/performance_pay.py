"""以奖代补: a payment computed from what a project delivered, by a formula the street office sets, shown with its
breakdown before anyone confirms it.

    payment = min(cap, per_request × requests done + per_hour × hours + (bonus if satisfaction ≥ threshold))
    due now = payment − performance payments already made for the project (never below zero)

so confirming twice pays once, and a later payment pays only for what was delivered since. All money in fen;
hours are counted in minutes so that per_hour × hours stays exact (rounded down to the fen).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation

from core.money import MoneyError, parse_fen

_LABELS = {
    "per_request": ("每单", "每件", "per request", "per_request"),
    "per_hour": ("每小时", "per hour", "per_hour"),
    "bonus": ("满意奖", "奖励", "bonus"),
    "threshold": ("满意度", "satisfaction", "threshold"),
    "cap": ("封顶", "上限", "cap"),
}
_SEPARATORS = re.compile(r"[，,；;、\n]+")


class FormulaError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Formula:
    per_request: int = 0
    per_hour: int = 0
    bonus: int = 0
    threshold: float = 5.0  # the mean rating (1–5) at or above which the bonus is paid
    cap: int = 0  # 0: no cap

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> Formula | None:
        if not text:
            return None
        try:
            return cls(**json.loads(text))
        except (TypeError, ValueError):
            return None


def parse_formula(text: str) -> Formula:
    """'每单 50元，每小时 30元，满意奖 2000元，满意度 4.5，封顶 3万' (any order, any part left out → 0)."""
    values: dict[str, object] = {}
    for part in _SEPARATORS.split(text.strip()):
        part = part.strip().replace("：", " ").replace(":", " ").replace("=", " ")
        if not part:
            continue
        name = next((n for n, labels in _LABELS.items() for label in labels if part.lower().startswith(label)), None)
        if name is None or name in values:
            raise FormulaError("fund.formula_unreadable")
        label = next(label for label in _LABELS[name] if part.lower().startswith(label))
        value = part[len(label) :].strip().removesuffix("分").removesuffix("以上").strip()
        if name == "threshold":
            try:
                number = Decimal(value)
            except InvalidOperation as exc:
                raise FormulaError("fund.formula_unreadable") from exc
            if not number.is_finite() or not Decimal(1) <= number <= Decimal(5):  # NaN cannot even be compared
                raise FormulaError("fund.formula_threshold")
            values[name] = float(number)
        else:
            try:
                values[name] = parse_fen(value)
            except MoneyError as exc:
                raise FormulaError(exc.key) from exc
    if not any(values.get(n) for n in ("per_request", "per_hour", "bonus")):
        raise FormulaError("fund.formula_unreadable")
    return Formula(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Breakdown:
    done: int
    minutes: int
    satisfaction: float | None
    for_requests: int
    for_hours: int
    bonus: int
    capped: bool
    total: int  # what the results earn in all
    already_paid: int
    due: int  # what confirming pays now


def compute(formula: Formula, done: int, minutes: int, satisfaction: float | None, already_paid: int) -> Breakdown:
    for_requests = formula.per_request * done
    for_hours = formula.per_hour * minutes // 60
    bonus = formula.bonus if satisfaction is not None and satisfaction >= formula.threshold else 0
    earned = for_requests + for_hours + bonus
    capped = bool(formula.cap) and earned > formula.cap
    total = formula.cap if capped else earned
    return Breakdown(
        done,
        minutes,
        satisfaction,
        for_requests,
        for_hours,
        bonus,
        capped,
        total,
        already_paid,
        max(0, total - already_paid),
    )
