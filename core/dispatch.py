"""Who gets a request: eligible providers, ranked, the top K offered the task at once.

Eligible: offers the service, serves the community, on duty, reachable (has not blocked the bot), not
overloaded, and not offered this request before (so whoever declined is not asked again). Ranked by fewest
open tasks, then best mean rating, then fastest mean answer to earlier pushes (the figures of /stats).
Nobody eligible: the request goes to community staff (escalated).

Several requests out at once (a sweep of the time limits re-offers every round that ran out) compete for the
same providers, and a provider may serve several communities. Then the community that has waited longest goes
first (`longest_wait_first`: its oldest request still without a provider is the oldest), and among otherwise
equal providers one not yet offered another request in this batch comes before one who was (`offered`): the
longest-waiting community gets first call on the free providers, and its push is the first in their chat.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from core.requests import Change, Status, move
from storage.protocols import UnitOfWork
from storage.records import Candidate, HistoryEntry, RequestRecord

NO_PROVIDER_NOTE = "no_provider"
NEXT_ROUND_NOTE = "offered_to_more"
TOP_K = 3
MAX_OPEN_TASKS = 3


RATING_STEP = 0.5  # stars, rounded down: 4.5 to 4.99 are equally good for the batch rule
RESPONSE_BUCKET = 10.0  # minutes: answering in 3 or in 8 minutes is equally quick for the batch rule


def _half_stars(rating: float | None) -> float:
    return math.floor((rating or 0.0) / RATING_STEP) * RATING_STEP


def _response_bucket(minutes: float | None) -> float:
    return float("inf") if minutes is None else float(int(minutes // RESPONSE_BUCKET))


def rank(candidates: list[Candidate], top_k: int = TOP_K, offered: Mapping[int, int] | None = None) -> list[int]:
    available = [c for c in candidates if c.open_tasks < MAX_OPEN_TASKS]
    pushed = offered or {}
    # Fewest open tasks, then best rated, then quickest to answer (unknown counts as slow); among equals, who was
    # offered fewer other requests of this batch. "Equal" is coarse (rating to the half star, answer time to the
    # RESPONSE_BUCKET): exact means of real people never tie, so an exact comparison would leave the batch rule
    # nothing to decide. The exact figures still order what is equal after that.
    available.sort(
        key=lambda c: (
            c.open_tasks,
            -_half_stars(c.mean_rating),
            _response_bucket(c.mean_response_minutes),
            pushed.get(c.telegram_id, 0),
            -(c.mean_rating or 0.0),
            c.mean_response_minutes if c.mean_response_minutes is not None else float("inf"),
            c.telegram_id,
        )
    )
    return [c.telegram_id for c in available[:top_k]]


T = TypeVar("T")


def longest_wait_first(
    items: Sequence[T], community_of: Callable[[T], int], waiting_since: Mapping[int, datetime], now: datetime
) -> list[T]:
    """`items` (requests to offer) with the community that has waited longest first; a community with nothing
    waiting counts as waiting from now. Equal waits keep the given order (the request id)."""
    return sorted(items, key=lambda item: waiting_since.get(community_of(item), now))


async def dispatch(
    uow: UnitOfWork, request: RequestRecord, now: datetime, top_k: int = TOP_K, offered: Counter[int] | None = None
) -> list[Change]:
    """Offer the request to the best eligible providers, or escalate it to staff when there are none. `offered`
    counts the pushes of the batch this request belongs to (updated here)."""
    chosen: list[int] = []
    if request.service_id is not None:
        candidates = list(await uow.providers.candidates(request.service_id, request.community_id, request.id))
        chosen = rank(candidates, top_k, offered)
    if offered is not None:
        offered.update(chosen)
    current = Status(request.status)
    if not chosen:
        if current in (Status.ESCALATED, Status.UNMATCHED):
            return []  # already with staff: nothing changes
        return [await move(uow, request, Status.ESCALATED, now, note=NO_PROVIDER_NOTE)]
    if current is Status.DISPATCHED:
        # Another round for a request already out: history says so, the status stays.
        await uow.requests.add_history(
            HistoryEntry(request.id, now, None, current.value, current.value, NEXT_ROUND_NOTE)
        )
        return [Change(request, current, current, None, NEXT_ROUND_NOTE, tuple(chosen))]
    change = await move(uow, request, Status.DISPATCHED, now)
    return [replace(change, push_to=tuple(chosen))]
