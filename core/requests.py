"""The help-request lifecycle: one table of allowed transitions, an append-only history, reference codes.

submitted ─► dispatched ─► accepted ─► in_progress ─► done ─► rated
    │            │            │             │           │
    ├─► unmatched (no service fits: community staff handle it)
    ├─► escalated (nobody took it in time: staff again)
    └─► cancelled (by the resident, any time before done)  · dispatched ─► expired (time ran out)
done ─► submitted ("没有解决": reopened) · expired ─► submitted (resumed)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.matching.normalize import pinyin_table
from storage.protocols import UnitOfWork
from storage.records import HistoryEntry, NewRequest, RequestRecord


class Status(StrEnum):
    SUBMITTED = "submitted"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    RATED = "rated"
    CANCELLED = "cancelled"
    UNMATCHED = "unmatched"
    ESCALATED = "escalated"
    EXPIRED = "expired"


S = Status
ALLOWED: dict[Status, frozenset[Status]] = {
    S.SUBMITTED: frozenset({S.DISPATCHED, S.UNMATCHED, S.ESCALATED, S.CANCELLED}),
    S.DISPATCHED: frozenset({S.ACCEPTED, S.ESCALATED, S.EXPIRED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.DONE, S.DISPATCHED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.DONE, S.DISPATCHED, S.CANCELLED}),
    S.DONE: frozenset({S.RATED, S.SUBMITTED}),
    S.RATED: frozenset(),
    S.CANCELLED: frozenset(),
    # Staff pick up unmatched and escalated needs: give them a service (dispatch) or close them.
    S.UNMATCHED: frozenset({S.DISPATCHED, S.DONE, S.CANCELLED}),
    S.ESCALATED: frozenset({S.DISPATCHED, S.DONE, S.CANCELLED}),
    S.EXPIRED: frozenset({S.SUBMITTED}),
}
# Until the work is done the resident may still call it off.
CANCELLABLE = frozenset({S.SUBMITTED, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.UNMATCHED, S.ESCALATED})
STAFF_QUEUE = (S.UNMATCHED, S.ESCALATED)


class TransitionError(ValueError):
    def __init__(self, current: Status, wanted: Status) -> None:
        super().__init__(f"a {current} request cannot become {wanted}")
        self.current, self.wanted = current, wanted


@dataclass(frozen=True)
class Change:
    """What happened, for whoever must be told."""

    request: RequestRecord
    before: Status | None
    after: Status
    actor_id: int | None
    note: str | None = None
    push_to: tuple[int, ...] = ()  # providers to offer the task to now (dispatch)


def can_move(current: Status, wanted: Status) -> bool:
    return wanted in ALLOWED[current]


async def move(
    uow: UnitOfWork,
    request: RequestRecord,
    wanted: Status,
    now: datetime,
    actor_id: int | None = None,
    note: str | None = None,
    on_behalf_of: int | None = None,
) -> Change:
    """The one place where a request changes status: checked, stored, and written to history (with the resident
    the actor acted for, when someone else acted for them: core.on_behalf)."""
    current = Status(request.status)
    if not can_move(current, wanted):
        raise TransitionError(current, wanted)
    await uow.requests.set_status(request.id, wanted.value, now)
    await uow.requests.add_history(
        HistoryEntry(request.id, now, actor_id, current.value, wanted.value, note, on_behalf_of)
    )
    updated = await uow.requests.get(request.id)
    assert updated is not None
    return Change(updated, current, wanted, actor_id, note)


async def open_request(
    uow: UnitOfWork, new: NewRequest, community_name: str, now: datetime, tz: ZoneInfo, filed_by: int | None = None
) -> Change:
    """File a request as submitted with a fresh reference code, and record its birth in history: by the resident,
    or by `filed_by` for the resident (代办)."""
    prefix = reference_prefix(community_name, now, tz)
    number = await uow.requests.count_references(prefix) + 1
    request = await uow.requests.add(new, f"{prefix}{number:04d}", Status.SUBMITTED.value, now)
    actor, for_whom = (new.resident_id, None) if filed_by is None else (filed_by, new.resident_id)
    await uow.requests.add_history(HistoryEntry(request.id, now, actor, None, Status.SUBMITTED.value, None, for_whom))
    return Change(request, None, Status.SUBMITTED, actor)


def community_code(name: str) -> str:
    """望月湖社区 → WYH: pinyin initials, which residents can read out on the phone."""
    core_name = name.removesuffix("社区") or name
    table = pinyin_table()
    letters = []
    for ch in core_name:
        readings = table.get(ch)
        if readings:
            letters.append(readings[0][0].upper())
        elif ch.isascii() and ch.isalnum():
            letters.append(ch.upper())
    return "".join(letters[:4]) or "SQ"


def reference_prefix(community_name: str, now: datetime, tz: ZoneInfo) -> str:
    local = now.astimezone(tz)
    return f"{community_code(community_name)}-{local:%y%m}-"
