"""Filing a request from a finished intake: the request, its attachments, its first moves, all in the
caller's transaction so that the request and every message it causes are written together."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core import intake
from core.dispatch import TOP_K, dispatch
from core.requests import Change, Status, move, open_request
from storage.protocols import UnitOfWork
from storage.records import User

UNMATCHED_NOTE = "no_service_fits"


async def file_request(
    uow: UnitOfWork,
    user: User,
    data: Mapping[str, Any],
    now: datetime,
    tz: ZoneInfo,
    top_k: int = TOP_K,
    *,
    filed_by: int | None = None,
    proxy_id: int | None = None,
) -> list[Change]:
    """File for `user`; with `filed_by`, someone else files for them (core.on_behalf), and with `proxy_id` that
    person answers for a resident who has no chat."""
    new = intake.new_request(data, user)
    community = await uow.communities.get(new.community_id)
    if community is None:
        raise intake.AnswerError("intake.no_community")
    born = await open_request(uow, new, community.name, now, tz, filed_by)
    if filed_by is not None:  # recorded before the first offers, so every message about it knows who hears
        await uow.behalf.mark_filed(born.request.id, filed_by, proxy_id)
    for kind, file_id in data.get("attachments", []):
        await uow.requests.attach(born.request.id, kind, file_id, now)
    if new.service_id is None:
        return [born, await move(uow, born.request, Status.UNMATCHED, now, note=UNMATCHED_NOTE)]
    return [born, *await dispatch(uow, born.request, now, top_k)]
