"""Records and the repository Protocol of service hours (migration 0023): the append-only ledger of the time each
finished task took, a supervising social worker's reviews of a volunteer's figures, and the certificates issued.

Kept beside storage/records.py and storage/protocols.py rather than in them: they are one feature's, and core.hours
is their only reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

REPORTED, CORRECTION = "reported", "correction"
CONFIRMED, FLAGGED = "confirmed", "flagged"
PROVIDER_CORRECTED = "provider_corrected"  # the one reason code so far: the provider answered again


@dataclass(frozen=True, slots=True)
class HourEntry:
    """One row of the ledger. A correction replaces the figure of the entry it `corrects`; rows never change."""

    id: int
    person_id: int
    request_id: int
    minutes: int
    kind: str  # REPORTED | CORRECTION
    corrects: int | None
    provider_kind: str  # what the person was when they gave it: a volunteer's figure waits for confirmation
    served_at: datetime  # when the task was finished
    recorded_by: int
    recorded_at: datetime
    reason: str | None = None
    reference: str = ""  # the request's reference (YG-2611-0001), for showing
    community_id: int = 0


@dataclass(frozen=True, slots=True)
class HourReview:
    id: int
    request_id: int
    person_id: int
    entry_id: int | None  # None: a word on the whole task (有问题 on the message sent at 完成)
    decision: str  # CONFIRMED | FLAGGED
    reviewer_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class FinishedTask:
    """A task the person finished (the time they pressed 完成), with or without a time in the ledger."""

    request_id: int
    reference: str
    finished_at: datetime


@dataclass(frozen=True, slots=True)
class Certificate:
    code: str
    person_id: int
    person_name: str
    organization: str | None
    first_day: date
    last_day: date
    minutes: int
    tasks: int
    confirmed_by: str  # the confirming social workers' names, joined with 、 ("" when none was needed)
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class PersonHours:
    """Who a ledger belongs to, for the staff export: name, kind and organisation."""

    person_id: int
    name: str
    kind: str
    organization: str | None


class HoursRepository(Protocol):
    async def add_entry(
        self, person_id: int, request_id: int, minutes: int, kind: str, corrects: int | None, provider_kind: str,
        served_at: datetime, recorded_by: int, now: datetime, reason: str | None = None,
    ) -> int: ...  # fmt: skip
    async def entries(self, person_id: int) -> Sequence[HourEntry]: ...
    async def entry(self, entry_id: int) -> HourEntry | None:
        """One row by id: a review goes by the figure's own person, never by who holds the request now."""
        ...

    async def supervised(self, supervisor_id: int) -> Sequence[int]:
        """The volunteers whose supervising social worker is `supervisor_id` now."""
        ...

    async def add_review(
        self, request_id: int, person_id: int, entry_id: int | None, decision: str, reviewer_id: int, now: datetime
    ) -> int: ...
    async def reviews(self, person_id: int) -> Sequence[HourReview]: ...
    async def finished_at(self, request_id: int, person_id: int) -> datetime | None:
        """When `person_id` last marked the request done, or None if they never finished it."""
        ...

    async def finished_tasks(self, person_id: int) -> Sequence[FinishedTask]: ...
    async def community_entries(
        self, community_id: int, since: datetime, until: datetime
    ) -> tuple[Sequence[HourEntry], Sequence[HourReview], Sequence[PersonHours]]:
        """Every entry on the community's requests served in [since, until), with their reviews and people."""
        ...

    async def add_certificate(self, certificate: Certificate) -> None: ...
    async def certificate(self, code: str) -> Certificate | None: ...
