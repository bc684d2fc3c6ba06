"""The open needs of a community at a glance: by category, how many and how long the oldest has waited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.catalog.categories import CATEGORIES
from core.requests import Status
from storage.protocols import NeedCount, NeedFact

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
    return open_groups([NeedCount(f.category, 1, f.submitted_at) for f in facts if f.status in OPEN], now)


def open_groups(counts: Iterable[NeedCount], now: datetime) -> list[OpenGroup]:
    """The same from counts made by the database (ReportRepository.need_counts over OPEN), as /needs does:
    a year of a busy community's requests is too many to load for a few lines."""
    oldest: dict[str, datetime] = {}
    totals: dict[str, int] = {}
    for part in counts:
        key = part.category or UNMATCHED
        totals[key] = totals.get(key, 0) + part.count
        oldest[key] = min(oldest.get(key, part.oldest_submitted_at), part.oldest_submitted_at)
    # A community's own categories (created by a catalogue import) come after the built-in ones, by name.
    builtin = [c.code for c in CATEGORIES]
    order = builtin + sorted(k for k in totals if k not in builtin and k != UNMATCHED) + [UNMATCHED]
    return [OpenGroup(key, totals[key], now - oldest[key]) for key in order if key in totals]
