"""A provider's side of a request: accept (the first accept wins), decline, set off, finish, give up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.dispatch import TOP_K, dispatch
from core.requests import Change, Status, move
from storage.protocols import UnitOfWork
from storage.records import Offer, RequestRecord

GAVE_UP_NOTE_PREFIX = "cannot_complete: "


class TaskError(LookupError):
    """The action does not apply (any more): a stale button, someone else's task, a finished request."""


@dataclass
class Outcome:
    changes: list[Change] = field(default_factory=list)
    closed_offers: list[Offer] = field(default_factory=list)  # pushes to edit ("已被接单" / "已撤回")
    won: bool = False


async def _request(uow: UnitOfWork, request_id: int) -> RequestRecord:
    request = await uow.requests.get(request_id)
    if request is None:
        raise TaskError("no such request")
    return request


async def accept(uow: UnitOfWork, request_id: int, provider_id: int, now: datetime) -> Outcome:
    await _request(uow, request_id)  # raises for an unknown id
    offers = {o.provider_id: o for o in await uow.providers.offers(request_id)}
    if provider_id in offers and offers[provider_id].answer == "taken":
        return Outcome(won=False)  # the other tap got there first
    if provider_id not in offers or offers[provider_id].answer is not None:
        raise TaskError("no open offer for this provider")
    # Conditional update: of two accepts at the same moment exactly one finds the request unclaimed.
    if not await uow.providers.claim(request_id, provider_id, now):
        await uow.providers.answer_offer(request_id, provider_id, "taken", now)
        return Outcome(won=False)
    await uow.providers.answer_offer(request_id, provider_id, "accepted", now)
    claimed = await _request(uow, request_id)
    change = await move(uow, claimed, Status.ACCEPTED, now, actor_id=provider_id)
    others = await uow.providers.close_open_offers(request_id, "taken", now)
    return Outcome([change], list(others), won=True)


async def decline(uow: UnitOfWork, request_id: int, provider_id: int, now: datetime, top_k: int = TOP_K) -> Outcome:
    request = await _request(uow, request_id)
    if not await uow.providers.answer_offer(request_id, provider_id, "declined", now):
        raise TaskError("no open offer for this provider")
    still_open = [o for o in await uow.providers.offers(request_id) if o.answer is None]
    if request.status != Status.DISPATCHED.value or still_open:
        return Outcome()
    return Outcome(await dispatch(uow, request, now, top_k))  # everyone asked said no: ask the next ones


async def own_open_task(uow: UnitOfWork, request_id: int, provider_id: int) -> RequestRecord:
    """The request if it is this provider's and still open (accepted or in progress)."""
    request = await _own_task(uow, request_id, provider_id)
    if request.status not in (Status.ACCEPTED.value, Status.IN_PROGRESS.value):
        raise TaskError("not an open task")
    return request


async def _own_task(uow: UnitOfWork, request_id: int, provider_id: int) -> RequestRecord:
    request = await _request(uow, request_id)
    if request.provider_id != provider_id:
        raise TaskError("not this provider's task")
    return request


async def set_off(uow: UnitOfWork, request_id: int, provider_id: int, now: datetime) -> Outcome:
    request = await _own_task(uow, request_id, provider_id)
    if request.status != Status.ACCEPTED.value:
        raise TaskError("only an accepted task can be set off on")
    return Outcome([await move(uow, request, Status.IN_PROGRESS, now, actor_id=provider_id)])


async def finish(uow: UnitOfWork, request_id: int, provider_id: int, note: str, now: datetime) -> Outcome:
    request = await _own_task(uow, request_id, provider_id)
    if request.status not in (Status.ACCEPTED.value, Status.IN_PROGRESS.value):
        raise TaskError("only an open task can be finished")
    return Outcome([await move(uow, request, Status.DONE, now, actor_id=provider_id, note=note)])


async def give_up(
    uow: UnitOfWork, request_id: int, provider_id: int, reason: str, now: datetime, top_k: int = TOP_K
) -> Outcome:
    """无法完成: the task goes back out to other providers (this one is not asked again)."""
    request = await _own_task(uow, request_id, provider_id)
    if request.status not in (Status.ACCEPTED.value, Status.IN_PROGRESS.value):
        raise TaskError("only an open task can be given up")
    await uow.providers.release(request_id, now)
    back = await move(uow, request, Status.DISPATCHED, now, actor_id=provider_id, note=GAVE_UP_NOTE_PREFIX + reason)
    return Outcome([back, *await dispatch(uow, back.request, now, top_k)])


async def withdraw_offers(uow: UnitOfWork, request_id: int, now: datetime) -> list[Offer]:
    """The request ended (cancelled, closed by staff): pushes still open are withdrawn."""
    return list(await uow.providers.close_open_offers(request_id, "withdrawn", now))
