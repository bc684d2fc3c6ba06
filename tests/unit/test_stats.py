"""Response, resolution and satisfaction figures from offers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.stats import by_organization, by_provider, figures
from storage.records import OfferFact

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
LIMIT = timedelta(minutes=30)


def fact(pid: int, answer: str | None, after_min: float | None, done_min: float | None = None,
         rating: int | None = None, org: str | None = "阳光") -> OfferFact:  # fmt: skip
    answered = T0 + timedelta(minutes=after_min) if after_min is not None else None
    done = answered + timedelta(minutes=done_min) if answered and done_min is not None else None
    return OfferFact(pid, f"P{pid}", org, "阳光社区", T0, answer, answered, done, rating)


def test_figures_follow_the_definitions() -> None:
    facts = [
        fact(1, "accepted", 5, done_min=60, rating=5),
        fact(1, "accepted", 20, done_min=120, rating=3),
        fact(1, "accepted", 40),  # answered late, not done yet
        fact(1, "declined", 10),
        fact(1, None, None),  # never answered
        fact(1, "taken", None),  # someone else was faster: needed no answer
    ]
    f = figures("P1", facts, LIMIT)
    assert f.offers == 6 and f.accepted == 3
    assert f.response_rate == 3 / 5
    assert f.resolution_rate == 2 / 3
    assert f.satisfaction == 4.0
    assert f.median_minutes_to_accept == 20
    assert f.median_minutes_to_done == 90


def test_grouping_and_empty_groups() -> None:
    facts = [fact(1, "accepted", 5, 10, 5), fact(2, "declined", 50, org=None)]
    assert [g.name for g in by_provider(facts, LIMIT)] == ["P1", "P2"]
    assert [g.name for g in by_organization(facts, LIMIT, "（无机构）")] == ["阳光", "（无机构）"]
    p2 = by_provider(facts, LIMIT)[1]
    assert p2.response_rate == 0 and p2.resolution_rate is None and p2.satisfaction is None
