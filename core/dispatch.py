"""Who gets a request: eligible providers, ranked, the top K offered the task at once.

Eligible: offers the service, serves the community, on duty, reachable (has not blocked the bot), not
overloaded, and not offered this request before (so whoever declined is not asked again). Ranked by fewest
open tasks, then best mean rating, then fastest mean answer to earlier pushes (the figures of /stats).
Nobody eligible: the request goes to community staff (escalated).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from core.requests import Change, Status, move
from storage.protocols import UnitOfWork
from storage.records import Candidate, HistoryEntry, RequestRecord

NO_PROVIDER_NOTE = "no_provider"
NEXT_ROUND_NOTE = "offered_to_more"
TOP_K = 3
MAX_OPEN_TASKS = 3


def rank(candidates: list[Candidate], top_k: int = TOP_K) -> list[int]:
    available = [c for c in candidates if c.open_tasks < MAX_OPEN_TASKS]
    # Fewest open tasks, then best rated, then quickest to answer (unknown counts as slow).
    available.sort(
        key=lambda c: (c.open_tasks, -(c.mean_rating or 0.0), c.mean_response_minutes or float("inf"), c.telegram_id)
    )
    return [c.telegram_id for c in available[:top_k]]


async def dispatch(uow: UnitOfWork, request: RequestRecord, now: datetime, top_k: int = TOP_K) -> list[Change]:
    """Offer the request to the best eligible providers, or escalate it to staff when there are none."""
    chosen: list[int] = []
    if request.service_id is not None:
        chosen = rank(list(await uow.providers.candidates(request.service_id, request.community_id, request.id)), top_k)
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
