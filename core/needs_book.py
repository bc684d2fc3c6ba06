"""The open needs of a community at a glance: by category, how many and how long the oldest has waited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.catalog.categories import CATEGORIES
from core.requests import Status
from storage.protocols import NeedFact

OPEN = frozenset({Status.SUBMITTED, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.UNMATCHED,
                  Status.ESCALATED})  # fmt: skip
UNMATCHED = "unmatched"


@dataclass(frozen=True)
class OpenGroup:
    category: str  # a category code, or "unmatched"
    count: int
    oldest_wait: timedelta


def open_needs(facts: Iterable[NeedFact], now: datetime) -> list[OpenGroup]:
    """Pilot categories (为老/扶幼/助残) first, in the catalogue's order; unmatched needs last."""
    oldest: dict[str, datetime] = {}
    counts: dict[str, int] = {}
    for fact in facts:
        if fact.status not in OPEN:
            continue
        key = fact.category or UNMATCHED
        counts[key] = counts.get(key, 0) + 1
        oldest[key] = min(oldest.get(key, fact.submitted_at), fact.submitted_at)
    # A community's own categories (created by a catalogue import) come after the built-in ones, by name.
    builtin = [c.code for c in CATEGORIES]
    order = builtin + sorted(k for k in counts if k not in builtin and k != UNMATCHED) + [UNMATCHED]
    return [OpenGroup(key, counts[key], now - oldest[key]) for key in order if key in counts]
