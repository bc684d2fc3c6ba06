"""/report's rules: calendar periods in the city's time zone, buckets, needs by category, headline figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core import reports
from core.reports import MONTH, WEEK, Bucket, buckets, community_report, needs_by_category, report_period
from storage.protocols import NeedFact
from storage.records import OfferFact
from tests.unit.fakes import FakeUnitOfWork

TZ = ZoneInfo("Asia/Shanghai")
LIMIT = timedelta(minutes=30)


def need(
    at: datetime, category: str | None = "elderly", status: str = "submitted", rating: int | None = None
) -> NeedFact:
    return NeedFact("YG-2611-0001", at, category, None, "需要帮助", status, None, rating)


def local(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=TZ)


def test_a_week_is_monday_to_sunday_in_the_city_time_zone() -> None:
    # Sunday 29 Nov 17:00 UTC is already Monday 30 Nov 01:00 in Changsha: the new week.
    period = report_period(WEEK, datetime(2026, 11, 29, 17, 0, tzinfo=UTC), TZ)
    assert (period.first, period.last) == (date(2026, 11, 30), date(2026, 12, 6))
    assert period.since == datetime(2026, 11, 30, tzinfo=TZ) and period.until == datetime(2026, 12, 7, tzinfo=TZ)
    period = report_period(WEEK, datetime(2026, 11, 29, 15, 59, tzinfo=UTC), TZ)
    assert (period.first, period.last) == (date(2026, 11, 23), date(2026, 11, 29))


@pytest.mark.parametrize(
    ("now", "first", "last"),
    [
        (datetime(2028, 2, 14, 3, tzinfo=UTC), date(2028, 2, 1), date(2028, 2, 29)),  # a leap year
        (datetime(2026, 12, 31, 12, tzinfo=UTC), date(2026, 12, 1), date(2026, 12, 31)),
        (datetime(2026, 11, 30, 16, 30, tzinfo=UTC), date(2026, 12, 1), date(2026, 12, 31)),  # 1 Dec, local
    ],
)
def test_a_month_is_the_calendar_month(now: datetime, first: date, last: date) -> None:
    period = report_period(MONTH, now, TZ)
    assert (period.first, period.last) == (first, last)


def test_unknown_period_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        report_period("year", datetime(2026, 11, 1, tzinfo=UTC), TZ)


def test_a_week_has_seven_days_and_a_month_has_clipped_monday_weeks() -> None:
    now = datetime(2026, 11, 25, 4, tzinfo=UTC)
    week = buckets(WEEK, report_period(WEEK, now, TZ))
    assert [b.first for b in week] == [date(2026, 11, 23) + timedelta(days=n) for n in range(7)]
    assert all(b.first == b.last for b in week)
    # November 2026 starts on a Sunday and ends on a Monday.
    month = buckets(MONTH, report_period(MONTH, now, TZ))
    assert [(b.first.day, b.last.day) for b in month] == [(1, 1), (2, 8), (9, 15), (16, 22), (23, 29), (30, 30)]


def test_needs_are_counted_per_category_per_local_day() -> None:
    period = report_period(WEEK, local(25), TZ)
    slots = buckets(WEEK, period)
    facts = [
        need(datetime(2026, 11, 22, 16, 30, tzinfo=UTC)),  # Monday 00:30 in Changsha
        need(local(23, 9), "housekeeping"),
        need(local(25), None),
        need(local(25), "elderly"),
        need(local(29, 23)),
        need(local(22, 23)),  # last week: not in this report
    ]
    series = needs_by_category(facts, period, slots)
    # The pilot categories first, in the registry's order; needs nothing matched last.
    assert [s.category for s in series] == ["elderly", "housekeeping", "unmatched"]
    assert series[0].counts == (1, 0, 1, 0, 0, 0, 1)
    assert series[1].counts == (1, 0, 0, 0, 0, 0, 0)
    assert series[2].counts == (0, 0, 1, 0, 0, 0, 0)


def test_a_month_counts_per_week() -> None:
    period = report_period(MONTH, local(15), TZ)
    slots = buckets(MONTH, period)
    assert slots[0] == Bucket(date(2026, 11, 1), date(2026, 11, 1))
    (series,) = needs_by_category([need(local(1)), need(local(3)), need(local(8)), need(local(30))], period, slots)
    assert series.counts == (1, 2, 0, 0, 0, 1)


def offer(pid: int, org: str | None, answer: str | None, after_min: float | None, rating: int | None = None,
          done: bool = False) -> OfferFact:  # fmt: skip
    at = local(24)
    answered = at + timedelta(minutes=after_min) if after_min is not None else None
    done_at = answered + timedelta(hours=1) if answered and done else None
    return OfferFact(pid, f"P{pid}", org, "阳光社区", at, answer, answered, done_at, rating)


async def test_community_report_reads_one_community_and_uses_the_stats_rules() -> None:
    uow = FakeUnitOfWork(["阳光社区", "桂花社区"])
    uow.reports.needs_rows = {
        1: [need(local(23), status="rated", rating=5), need(local(24), status="done"), need(local(24), rating=None),
            need(local(25), "legal", status="rated", rating=2)],
        2: [need(local(24), "legal"), need(local(24), "legal")],
    }  # fmt: skip
    uow.providers.facts = {
        1: [offer(1, "阳光社工", "accepted", 5, rating=5, done=True), offer(2, "阳光社工", None, None),
            offer(3, None, "accepted", 45)],
        2: [offer(4, "桂花家政", "accepted", 1)],
    }  # fmt: skip
    report = await community_report(uow, 1, WEEK, local(26), TZ, LIMIT, "（无机构）")
    figures = report.headline
    assert (figures.filed, figures.resolved, figures.rated) == (4, 3, 2)
    assert figures.satisfaction == 3.5
    assert figures.response_rate == pytest.approx(1 / 3)  # one of three answered within the limit
    assert [s.category for s in report.needs] == ["elderly", "legal"]
    assert sum(sum(s.counts) for s in report.needs) == 4  # 桂花社区's legal needs stay out
    assert [o.name for o in report.organizations] == ["阳光社工", "（无机构）"]
    sunshine = report.organizations[0]
    assert (sunshine.response_rate, sunshine.resolution_rate, sunshine.satisfaction) == (0.5, 1.0, 5)
    assert not report.empty


async def test_an_empty_period_still_has_its_buckets() -> None:
    report = await community_report(FakeUnitOfWork(["阳光社区"]), 1, MONTH, local(5), TZ, LIMIT, "-")
    assert report.empty and len(report.buckets) == 6
    assert (report.headline.filed, report.headline.response_rate, report.headline.satisfaction) == (0, None, None)


def test_last_week_and_last_month_are_the_whole_periods_before() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    monday_morning = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # Monday 2 March, 01:30 in the city
    last_week = reports.report_period(reports.LAST_WEEK, monday_morning, tz)
    assert (last_week.first, last_week.last) == (date(2026, 2, 23), date(2026, 3, 1))
    last_month = reports.report_period(reports.LAST_MONTH, monday_morning, tz)
    assert (last_month.first, last_month.last) == (date(2026, 2, 1), date(2026, 2, 28))
    assert len(reports.buckets(reports.LAST_WEEK, last_week)) == 7  # days, as for this week
    assert [b.first.day for b in reports.buckets(reports.LAST_MONTH, last_month)] == [1, 2, 9, 16, 23]
