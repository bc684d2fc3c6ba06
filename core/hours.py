"""Service hours (志愿服务时长): the time a finished task took, as its provider gives it, in an append-only ledger.

- The provider who finished a task gives its time once (typed or a button), 5 minutes to 12 hours; answering
  again is a correction: a new row that replaces the figure, the old one kept on record.
- Social workers' and organisation members' figures count at once. A volunteer's figure counts once their
  supervising social worker confirms that very figure; a correction needs confirming again (a confirmation never
  covers a figure the supervisor did not see), and a flag (on the figure, or 有问题 on the whole task) stops it
  counting. The latest word on the current figure decides.
- Totals per year and since the first task count what counts; what waits for confirmation is shown apart.
No Telegram here; storage through the HoursRepository Protocol.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from storage.hours_records import (
    CONFIRMED,
    CORRECTION,
    FLAGGED,
    PROVIDER_CORRECTED,
    REPORTED,
    HourEntry,
    HourReview,
)
from storage.protocols import UnitOfWork
from storage.records import Provider

MIN_MINUTES, MAX_MINUTES = 5, 12 * 60  # the migration's CHECK says the same
QUICK_MINUTES = (30, 60, 90, 120, 180, 240)  # the buttons: 30分钟 … 半天(4小时)
HALF_DAY = 240
COUNTED, PENDING, NOT_COUNTED = "counted", "pending", "flagged"
VOLUNTEER = "volunteer"


class Words(Protocol):
    """What a certificate or an export needs of a translator (bot.i18n.Translator is one): the catalogue's words,
    its plural forms, numbers and days the locale's way. core/ stays free of the channel's code."""

    def __call__(self, key: str, /, **values: object) -> str: ...
    def plural(self, key: str, n: int, /, **values: object) -> str: ...
    def number(self, value: float) -> str: ...
    def day(self, value: date, skeleton: str = "MMMd") -> str: ...


class HoursError(ValueError):
    """An answer or an action that cannot be recorded; `key` is the locale key that says why."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


# ---- reading a typed duration -------------------------------------------------------------------------------

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}  # fmt: skip
_CN_NUMBER = re.compile(r"[零〇一二两俩三四五六七八九十]+")
_HOUR = r"(?:个)?(?:小时|钟头|鐘頭|小時|hours?|hrs?|h)"
_MINUTE = r"(?:分钟|分鐘|分|minutes?|mins?|m)"
# At most 4 digits (and 2 decimals): a duration never needs more, and "9"*400 must never reach float() / round()
# (inf → OverflowError). The clock form's minutes are below 60: "1:99" is no time.
_NUM = r"(\d{1,4}(?:\.\d{1,2})?)"
_HOURS_THEN_MINUTES = re.compile(rf"^{_NUM}(个半|半)?{_HOUR}(?:(\d{{1,4}}){_MINUTE}?)?$")
_MINUTES_ONLY = re.compile(rf"^(\d{{1,4}}){_MINUTE}$")
_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)$")
_HALF_HOUR = re.compile(rf"^半{_HOUR}$")
_HALF_DAY = re.compile(r"^(半天|半日|halfaday|halfday)$")


def _chinese_number(text: str) -> str:
    """一 → 1, 十五 → 15, 四十五 → 45, 两 → 2 (0–99: all a duration needs)."""
    if "十" not in text:
        return "".join(str(_DIGITS[c]) for c in text if c in _DIGITS)
    tens, _, ones = text.partition("十")
    return str((_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0))


def _folded(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[\s，,。.、]+$", "", text.strip())  # "90分钟。" and "2h." are still durations
    text = re.sub(r"\s+", "", text).replace("约", "").replace("大概", "").replace("左右", "")
    return _CN_NUMBER.sub(lambda m: _chinese_number(m.group(0)), text)


def parse_duration(text: str) -> int:
    """Minutes from "90分钟", "1.5小时", "一个半小时", "2h", "45 min", "1小时20分", "1:30", "半天"; within bounds.
    HoursError("hours.not_understood"), ("hours.need_unit") for a bare number, or the bounds' keys."""
    try:
        minutes = _minutes(_folded(text))
    except (OverflowError, ValueError) as error:  # HoursError is a ValueError: its own key is kept
        if isinstance(error, HoursError):
            raise
        raise HoursError("hours.not_understood") from error
    return checked(minutes)


def _minutes(folded: str) -> int:
    minutes: float | None = None
    if _HALF_DAY.match(folded):
        minutes = HALF_DAY
    elif _HALF_HOUR.match(folded):
        minutes = 30
    elif match := _MINUTES_ONLY.match(folded):
        minutes = int(match.group(1))
    elif match := _HOURS_THEN_MINUTES.match(folded):
        number, half, extra = match.groups()
        minutes = float(number) * 60 + (30 if half else 0) + (int(extra) if extra else 0)
    elif match := _CLOCK.match(folded):
        minutes = int(match.group(1)) * 60 + int(match.group(2))
    elif re.fullmatch(r"\d+(?:\.\d+)?", folded):
        raise HoursError("hours.need_unit")
    if minutes is None:
        raise HoursError("hours.not_understood")
    return round(minutes)


def checked(minutes: int) -> int:
    if minutes < MIN_MINUTES:
        raise HoursError("hours.too_short", minimum=MIN_MINUTES)
    if minutes > MAX_MINUTES:
        raise HoursError("hours.too_long", maximum=MAX_MINUTES // 60)
    return minutes


# ---- recording ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    entry_id: int
    request_id: int
    reference: str
    minutes: int
    previous: int | None  # the figure it replaces (a correction), None for a first answer
    needs_review: bool  # a volunteer's: their supervisor is asked to confirm this figure
    supervisor_id: int | None
    unchanged: bool = False  # the same figure again: nothing new written


async def record(uow: UnitOfWork, request_id: int, person_id: int, minutes: int, now: datetime) -> Recorded:
    """The time `person_id` spent on a task they finished; a second answer is a correction."""
    minutes = checked(minutes)
    request = await uow.requests.get(request_id)
    provider = await uow.providers.get(person_id)
    served_at = await uow.hours.finished_at(request_id, person_id) if request and provider else None
    if request is None or provider is None or served_at is None:
        raise HoursError("hours.not_yours")
    current = current_entry(await uow.hours.entries(person_id), request_id)
    kind = current.provider_kind if current else provider.kind
    supervisor = provider.supervisor_id if kind == VOLUNTEER else None
    if current is not None and current.minutes == minutes:
        return Recorded(current.id, request_id, request.reference, minutes, None, False, supervisor, unchanged=True)
    if current is None:
        entry_id = await uow.hours.add_entry(person_id, request_id, minutes, REPORTED, None, kind, served_at,
                                             person_id, now)  # fmt: skip
    else:
        entry_id = await uow.hours.add_entry(person_id, request_id, minutes, CORRECTION, current.id, kind,
                                             current.served_at, person_id, now, PROVIDER_CORRECTED)  # fmt: skip
    previous = current.minutes if current else None
    return Recorded(entry_id, request_id, request.reference, minutes, previous, kind == VOLUNTEER, supervisor)


def current_entry(entries: Iterable[HourEntry], request_id: int) -> HourEntry | None:
    """The figure that stands for a task: the entry no other entry corrects."""
    mine = [e for e in entries if e.request_id == request_id]
    corrected = {e.corrects for e in mine if e.corrects is not None}
    standing = [e for e in mine if e.id not in corrected]
    return max(standing, key=lambda e: e.id) if standing else None


async def supervised(uow: UnitOfWork, request_id: int, person_id: int, reviewer_id: int) -> Provider:
    """The volunteer `person_id`, if `reviewer_id` supervises them now and they finished `request_id`; else
    HoursError("hours.not_supervisor"). Whose task it is comes from the button's person and the request's history,
    never from requests.provider_id, which a release or a reassignment changes."""
    volunteer = await uow.providers.get(person_id)
    if volunteer is None or volunteer.kind != VOLUNTEER or volunteer.supervisor_id != reviewer_id:
        raise HoursError("hours.not_supervisor")
    if await uow.hours.finished_at(request_id, person_id) is None:
        raise HoursError("hours.not_supervisor")
    return volunteer


async def review(uow: UnitOfWork, entry_id: int, reviewer_id: int, decision: str, now: datetime) -> HourEntry:
    """The supervisor's word on one figure of a volunteer's hours, found by the figure's id: the person is the
    figure's own, and the reviewer must be that person's supervisor now. HoursError("hours.review_stale") when the
    figure is no longer the one that stands (corrected since), ("hours.not_supervisor") when it is not theirs."""
    entry = await uow.hours.entry(entry_id)
    if entry is None:
        raise HoursError("hours.not_supervisor")
    await supervised(uow, entry.request_id, entry.person_id, reviewer_id)
    current = current_entry(await uow.hours.entries(entry.person_id), entry.request_id)
    if current is None or current.id != entry_id:
        raise HoursError("hours.review_stale")
    await uow.hours.add_review(entry.request_id, entry.person_id, entry_id, decision, reviewer_id, now)
    return current


async def flag_task(uow: UnitOfWork, request_id: int, person_id: int, reviewer_id: int, now: datetime) -> None:
    """有问题 on the whole task (the message sent at 完成): `person_id`'s hours of it stop counting, until a figure of
    it is confirmed after this. A task-level confirmation writes nothing here: it saw no figure."""
    await supervised(uow, request_id, person_id, reviewer_id)
    await uow.hours.add_review(request_id, person_id, None, FLAGGED, reviewer_id, now)


async def awaiting(uow: UnitOfWork, supervisor_id: int) -> list[tuple[Provider, Item]]:
    """The figures of the volunteers `supervisor_id` supervises now that wait for a word, oldest service first:
    what their /hours lists, so that no figure waits on an ask sent to a former supervisor (or to nobody)."""
    waiting = []
    for person_id in await uow.hours.supervised(supervisor_id):
        volunteer = await uow.providers.get(person_id)
        if volunteer is None:
            continue
        waiting += [(volunteer, item) for item in await person_ledger(uow, person_id) if item.status == PENDING]
    return sorted(waiting, key=lambda pair: (pair[1].served_at, pair[1].entry.id))


# ---- the ledger ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One task's hours for one person: the standing figure, whether it counts, and every figure on record."""

    request_id: int
    reference: str
    community_id: int
    minutes: int
    served_at: datetime
    status: str  # COUNTED | PENDING | NOT_COUNTED
    entry: HourEntry
    history: tuple[HourEntry, ...]  # oldest first; more than one means it was corrected
    confirmed_by: int | None = None


def ledger(entries: Sequence[HourEntry], reviews: Sequence[HourReview]) -> list[Item]:
    """A person's (or several people's) tasks with hours, newest service first."""
    by_task: dict[tuple[int, int], list[HourEntry]] = defaultdict(list)
    for entry in entries:
        by_task[(entry.person_id, entry.request_id)].append(entry)
    items = []
    for (person_id, request_id), chain in by_task.items():
        current = current_entry(chain, request_id)
        assert current is not None
        words = [r for r in reviews if (r.person_id, r.request_id) == (person_id, request_id)]
        status, confirmer = _status(current, words)
        items.append(Item(request_id, current.reference, current.community_id, current.minutes, current.served_at,
                          status, current, tuple(sorted(chain, key=lambda e: e.id)), confirmer))  # fmt: skip
    return sorted(items, key=lambda i: (i.served_at, i.request_id), reverse=True)


def _status(current: HourEntry, reviews: Sequence[HourReview]) -> tuple[str, int | None]:
    if current.provider_kind != VOLUNTEER:
        return COUNTED, None
    words = [r for r in reviews if r.entry_id == current.id or (r.entry_id is None and r.decision == FLAGGED)]
    if not words:
        return PENDING, None
    latest = max(words, key=lambda r: r.id)
    return (COUNTED, latest.reviewer_id) if latest.decision == CONFIRMED else (NOT_COUNTED, None)


@dataclass(frozen=True)
class Totals:
    this_year: int  # minutes that count, served this calendar year
    by_year: dict[int, int]  # minutes that count, per year, newest first
    all_time: int
    tasks: int  # tasks whose hours count
    pending: int  # minutes waiting for the supervisor
    pending_tasks: int
    not_counted: int  # flagged minutes
    first_task: date | None  # the first task with hours on record


def totals(items: Sequence[Item], tz: ZoneInfo, today: date) -> Totals:
    counted = [i for i in items if i.status == COUNTED]
    by_year: dict[int, int] = defaultdict(int)
    for item in counted:
        by_year[item.served_at.astimezone(tz).year] += item.minutes
    pending = [i for i in items if i.status == PENDING]
    first = min((i.served_at for i in items), default=None)
    return Totals(
        this_year=by_year.get(today.year, 0),
        by_year=dict(sorted(by_year.items(), reverse=True)),
        all_time=sum(i.minutes for i in counted),
        tasks=len(counted),
        pending=sum(i.minutes for i in pending),
        pending_tasks=len(pending),
        not_counted=sum(i.minutes for i in items if i.status == NOT_COUNTED),
        first_task=first.astimezone(tz).date() if first else None,
    )


@dataclass(frozen=True)
class PeriodHours:
    first: date
    last: date
    minutes: int
    tasks: int
    confirmed_by: tuple[int, ...] = field(default_factory=tuple)  # the confirming supervisors' ids


def in_period(items: Sequence[Item], first: date, last: date, tz: ZoneInfo) -> PeriodHours:
    """What counts in [first, last] (local days, both included)."""
    chosen = [i for i in items if i.status == COUNTED and first <= i.served_at.astimezone(tz).date() <= last]
    confirmers = tuple(sorted({i.confirmed_by for i in chosen if i.confirmed_by is not None}))
    return PeriodHours(first, last, sum(i.minutes for i in chosen), len(chosen), confirmers)


async def person_ledger(uow: UnitOfWork, person_id: int) -> list[Item]:
    return ledger(await uow.hours.entries(person_id), await uow.hours.reviews(person_id))


async def without_time(uow: UnitOfWork, person_id: int) -> list[tuple[int, str, datetime]]:
    """The person's finished tasks with no time given yet, newest first: (request id, reference, finished at)."""
    given = {e.request_id for e in await uow.hours.entries(person_id)}
    tasks = [t for t in await uow.hours.finished_tasks(person_id) if t.request_id not in given]
    return [(t.request_id, t.reference, t.finished_at) for t in sorted(tasks, key=lambda t: t.finished_at,
                                                                         reverse=True)]  # fmt: skip
