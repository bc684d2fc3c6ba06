"""/report: a community's week or month — needs by category over time, and how each organisation did.

A period is the whole calendar week (Monday first, as in China) or month that contains today, in the city's
time zone. A week is cut into days, a month into Monday-to-Sunday weeks clipped to the month. The figures per
organisation and the response rate come from core.stats, so /report and /stats count the same way; the
headline satisfaction is the mean rating of the period's needs, as in the printed needs book.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core import stats
from core.catalog.categories import CATEGORIES
from core.exports.period import Period
from core.needs_book import UNMATCHED
from core.requests import Status
from storage.protocols import NeedFact, UnitOfWork
from storage.records import OfferFact

WEEK, MONTH = "week", "month"
LAST_WEEK, LAST_MONTH = "last_week", "last_month"  # on a Monday this week is nearly empty: last week is whole
KINDS = (WEEK, LAST_WEEK, MONTH, LAST_MONTH)
_SPAN = {WEEK: WEEK, LAST_WEEK: WEEK, MONTH: MONTH, LAST_MONTH: MONTH}


def span(kind: str) -> str:
    """WEEK or MONTH: what a report of this kind covers (its buckets are days, or weeks)."""
    return _SPAN[kind]


RESOLVED = frozenset({Status.DONE, Status.RATED})


def report_period(kind: str, now: datetime, tz: ZoneInfo) -> Period:
    """The calendar week or month around `now` (or the one before it), in whole local days."""
    if kind not in _SPAN:
        raise ValueError(f"unknown report period {kind!r}")
    if kind in (LAST_WEEK, LAST_MONTH):
        current = report_period(span(kind), now, tz)
        return report_period(span(kind), datetime.combine(current.first - timedelta(days=1), time(12), tz), tz)
    today = now.astimezone(tz).date()
    if kind == WEEK:
        first = today - timedelta(days=today.weekday())
        return Period(first, first + timedelta(days=6), tz)
    if kind == MONTH:
        first = today.replace(day=1)
        next_month = (first + timedelta(days=32)).replace(day=1)
        return Period(first, next_month - timedelta(days=1), tz)
    raise ValueError(f"unknown report period {kind!r}")


@dataclass(frozen=True)
class Bucket:
    first: date
    last: date  # inclusive; equal to `first` for a day


def buckets(kind: str, period: Period) -> tuple[Bucket, ...]:
    """Days of a week; Monday-to-Sunday weeks of a month (the first and last cut at the month's edges)."""
    days = [period.first + timedelta(days=n) for n in range((period.last - period.first).days + 1)]
    if span(kind) == WEEK:
        return tuple(Bucket(d, d) for d in days)
    starts = [d for d in days if d == period.first or d.weekday() == 0]
    return tuple(Bucket(s, min(s + timedelta(days=6 - s.weekday()), period.last)) for s in starts)


@dataclass(frozen=True)
class CategorySeries:
    category: str  # a category code, or UNMATCHED
    counts: tuple[int, ...]  # one per bucket


# The city's pilot focus first (registry order), then unmatched needs, then codes the registry lacks. The chart
# also colours each category by this place, so a category keeps its colour from one report to the next.
CATEGORY_ORDER = (*(c.code for c in CATEGORIES), UNMATCHED)


def category_place(code: str) -> int:
    return CATEGORY_ORDER.index(code) if code in CATEGORY_ORDER else len(CATEGORY_ORDER)


def _category_rank(code: str) -> tuple[int, str]:
    return (category_place(code), code)


def needs_by_category(facts: Sequence[NeedFact], period: Period, slots: Sequence[Bucket]) -> tuple[CategorySeries, ...]:
    """How many needs of each category were filed in each bucket; only categories that occur."""
    slot_of: dict[date, int] = {}
    for i, bucket in enumerate(slots):
        for n in range((bucket.last - bucket.first).days + 1):
            slot_of[bucket.first + timedelta(days=n)] = i
    counts: dict[str, list[int]] = {}
    for fact in facts:
        slot = slot_of.get(fact.submitted_at.astimezone(period.tz).date())
        if slot is None:
            continue
        counts.setdefault(fact.category or UNMATCHED, [0] * len(slots))[slot] += 1
    return tuple(CategorySeries(code, tuple(counts[code])) for code in sorted(counts, key=_category_rank))


@dataclass(frozen=True)
class Headline:
    filed: int
    resolved: int  # done or rated by now
    rated: int
    response_rate: float | None  # of the period's pushes, see core.stats
    satisfaction: float | None  # mean rating (1–5) of the period's needs


def headline(needs: Sequence[NeedFact], offers: Sequence[OfferFact], limit: timedelta) -> Headline:
    ratings = [f.rating for f in needs if f.rating is not None]
    return Headline(
        filed=len(needs),
        resolved=sum(1 for f in needs if f.status in RESOLVED),
        rated=len(ratings),
        response_rate=stats.figures("", offers, limit).response_rate,
        satisfaction=statistics.fmean(ratings) if ratings else None,
    )


@dataclass(frozen=True)
class PeriodReport:
    kind: str
    period: Period
    buckets: tuple[Bucket, ...]
    needs: tuple[CategorySeries, ...]
    organizations: tuple[stats.Figures, ...]
    headline: Headline

    @property
    def empty(self) -> bool:
        return not self.needs and not self.organizations


def build_report(
    kind: str,
    period: Period,
    needs: Sequence[NeedFact],
    offers: Sequence[OfferFact],
    limit: timedelta,
    no_organization: str,
) -> PeriodReport:
    slots = buckets(kind, period)
    return PeriodReport(
        kind=kind,
        period=period,
        buckets=slots,
        needs=needs_by_category(needs, period, slots),
        organizations=tuple(stats.by_organization(offers, limit, no_organization)),
        headline=headline(needs, offers, limit),
    )


async def community_report(
    uow: UnitOfWork,
    community_id: int,
    kind: str,
    now: datetime,
    tz: ZoneInfo,
    limit: timedelta,
    no_organization: str,
) -> PeriodReport:
    """Everything /report shows about one community; read-only."""
    period = report_period(kind, now, tz)
    needs = await uow.reports.needs(community_id, period.since, period.until)
    offers = await uow.providers.offer_facts(period.since, period.until, community_id)
    return build_report(kind, period, needs, offers, limit, no_organization)
