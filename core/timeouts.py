"""Time limits: an offer nobody answers in time goes to the next providers (then to staff), and an accepted
task that stalls gets one reminder. Deadlines are computed from times in the database on every sweep."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.dispatch import TOP_K, dispatch, longest_wait_first
from core.requests import Change
from storage.protocols import UnitOfWork
from storage.records import Offer, OpenRound, RequestRecord


@dataclass(frozen=True)
class TimeLimits:
    accept: timedelta = timedelta(minutes=30)
    urgent_accept: timedelta = timedelta(minutes=10)  # for needs wanted 尽快 (asap)
    by_category: Mapping[str, timedelta] = field(default_factory=dict)
    stall: timedelta = timedelta(hours=24)
    top_k: int = TOP_K  # providers offered in each new round

    def to_accept(self, round_: OpenRound) -> timedelta:
        limit = self.by_category.get(round_.category or "", self.accept)
        return min(limit, self.urgent_accept) if round_.when_code == "asap" else limit


@dataclass
class Sweep:
    changes: list[Change] = field(default_factory=list)
    expired_offers: list[Offer] = field(default_factory=list)
    stalled: list[RequestRecord] = field(default_factory=list)


async def sweep(uow: UnitOfWork, now: datetime, limits: TimeLimits) -> Sweep:
    result = Sweep()
    due: list[RequestRecord] = []
    for round_ in await uow.providers.open_rounds():
        if now - round_.last_offered_at < limits.to_accept(round_):
            continue
        result.expired_offers += await uow.providers.close_open_offers(round_.request_id, "expired", now)
        request = await uow.requests.get(round_.request_id)
        if request is not None:
            due.append(request)
    # The rounds that ran out together compete for the same providers: the community that has waited longest
    # is offered first, and gets first call on equally ranked providers (core.dispatch).
    if len(due) > 1:
        waiting = await uow.street_reports.waiting_since(sorted({r.community_id for r in due}))
        due = longest_wait_first(due, lambda r: r.community_id, waiting, now)
    offered: Counter[int] = Counter()
    for request in due:
        result.changes += await dispatch(uow, request, now, limits.top_k, offered)
    for request_id in await uow.providers.stalled_tasks(now - limits.stall):
        request = await uow.requests.get(request_id)
        if request is not None:
            await uow.providers.mark_reminded(request_id, now)
            result.stalled.append(request)
    return result
