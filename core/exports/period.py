"""The reporting period: whole local days in the city's time zone, both ends included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_DAYS = 30


class PeriodError(ValueError):
    """A date or a period that cannot be used; the message is one line for the command line."""


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise PeriodError(f"日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD: {text!r}") from exc


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive
    tz: ZoneInfo

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time.min, self.tz)

    @property
    def until(self) -> datetime:
        """The start of the day after `last`: the end is exclusive in time, inclusive in days."""
        return datetime.combine(self.last + timedelta(days=1), time.min, self.tz)

    def label(self) -> str:
        return f"{_zh(self.first)}至{_zh(self.last)}"


def _zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def make_period(first: date | None, last: date | None, today: date, tz: ZoneInfo) -> Period:
    """Fill in the defaults (`--to` today, `--from` 30 days before `--to`) and check the order."""
    if last is None:
        last = today
    if first is None:
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise PeriodError(f"开始日期晚于结束日期 / --from {first} is after --to {last}")
    return Period(first, last, tz)
