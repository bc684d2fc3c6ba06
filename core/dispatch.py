"""Who gets a request. Providers (social workers, volunteers, organisations) arrive with their own issue;
until then a matched request that nobody can take goes to community staff, as it would after a timeout."""

from __future__ import annotations

from datetime import datetime

from core.requests import Change, Status, move
from storage.protocols import UnitOfWork
from storage.records import RequestRecord

NO_PROVIDER_NOTE = "no_provider"


async def dispatch(uow: UnitOfWork, request: RequestRecord, now: datetime) -> list[Change]:
    # No provider registry yet: escalate at once so that a person (community staff) sees it.
    return [await move(uow, request, Status.ESCALATED, now, note=NO_PROVIDER_NOTE)]
