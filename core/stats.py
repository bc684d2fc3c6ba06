"""Performance figures of the "接诉即办" practice, from the offers of a period:

- response rate (响应率): offers answered (accepted or declined) within the time limit / offers that needed
  an answer (an offer someone else took first, or that was withdrawn, needed none);
- resolution rate (解决率): tasks done / tasks accepted;
- satisfaction (满意率): mean rating (1–5) of rated tasks;
- median minutes to accept, and from acceptance to done.
Grouped per provider, organisation or community.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from storage.records import OfferFact

NEEDED_NO_ANSWER = frozenset({"taken", "withdrawn"})


@dataclass(frozen=True)
class Figures:
    name: str
    offers: int
    response_rate: float | None
    accepted: int
    resolution_rate: float | None
    satisfaction: float | None
    median_minutes_to_accept: float | None
    median_minutes_to_done: float | None


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def figures(name: str, facts: Iterable[OfferFact], limit: timedelta) -> Figures:
    facts = list(facts)
    needed = [f for f in facts if f.answer not in NEEDED_NO_ANSWER]
    in_time = [
        f for f in needed
        if f.answer in ("accepted", "declined") and f.answered_at is not None and f.answered_at - f.offered_at <= limit
    ]  # fmt: skip
    accepted = [f for f in facts if f.answer == "accepted"]
    done = [f for f in accepted if f.done_at is not None]
    ratings = [f.rating for f in accepted if f.rating is not None]
    to_accept = [_minutes(f.answered_at - f.offered_at) for f in accepted if f.answered_at is not None]
    to_done = [_minutes(f.done_at - f.answered_at) for f in done if f.done_at and f.answered_at]
    return Figures(
        name=name,
        offers=len(facts),
        response_rate=len(in_time) / len(needed) if needed else None,
        accepted=len(accepted),
        resolution_rate=len(done) / len(accepted) if accepted else None,
        satisfaction=statistics.fmean(ratings) if ratings else None,
        median_minutes_to_accept=statistics.median(to_accept) if to_accept else None,
        median_minutes_to_done=statistics.median(to_done) if to_done else None,
    )


def grouped(facts: Iterable[OfferFact], key: Callable[[OfferFact], str], limit: timedelta) -> list[Figures]:
    groups: dict[str, list[OfferFact]] = defaultdict(list)
    for fact in facts:
        groups[key(fact)].append(fact)
    return [figures(name, group, limit) for name, group in sorted(groups.items())]


def by_provider(facts: Iterable[OfferFact], limit: timedelta) -> list[Figures]:
    return grouped(facts, lambda f: f.provider_name, limit)


def by_organization(facts: Iterable[OfferFact], limit: timedelta, none_label: str) -> list[Figures]:
    return grouped(facts, lambda f: f.organization or none_label, limit)


def by_community(facts: Iterable[OfferFact], limit: timedelta) -> list[Figures]:
    return grouped(facts, lambda f: f.community, limit)
