"""Rows of the street office's figures (storage.sqlite.street_reports): counts per community, ready for core.

A community id of ALL_COMMUNITIES (0; SQLite and PostgreSQL never number a row 0) is the total over the set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

ALL_COMMUNITIES = 0


@dataclass(frozen=True, slots=True)
class OfferCounts:
    """The pushes of a period in one community (or all of them), counted as core.stats counts them."""

    community_id: int
    offers: int
    needed: int  # offers that needed an answer (not taken by someone else first, not withdrawn)
    in_time: int  # answered (accepted or declined) within the time limit
    accepted: int
    done: int
    satisfaction: float | None  # mean rating of the accepted tasks that were rated


@dataclass(frozen=True, slots=True)
class WaitingTimes:
    community_id: int
    median_to_accept: float | None  # minutes from the push to 接单
    p90_to_accept: float | None
    median_to_done: float | None  # minutes from 接单 to 完成
    p90_to_done: float | None


@dataclass(frozen=True, slots=True)
class Demand:
    """Requests of a period in one community and category (None: no service fitted)."""

    community_id: int
    category: str | None
    filed: int
    unmet: int  # left with staff or ended without a provider: unmatched, escalated, expired
    resolved: int  # done or rated
    rated: int
    rating_sum: int


@dataclass(frozen=True, slots=True)
class Supply:
    """What is registered for one community and category: active services, and on-duty providers offering one."""

    community_id: int
    category: str
    services: int
    providers: int


@dataclass(frozen=True, slots=True)
class ProviderLoad:
    provider_id: int
    name: str
    organization: str | None
    on_duty: bool
    community_id: int  # a community of the set the provider serves, or where their tasks are
    serves: bool  # the provider serves this community now (provider_communities)
    open_tasks: int  # accepted or started, of this community's requests
    done_recently: int  # finished in the recent window, of this community's requests
    open_total: int  # the provider's open tasks in every community (what dispatch's load limit counts)


@dataclass(frozen=True, slots=True)
class ProviderMove:
    provider_id: int
    community_id: int
    action: str  # "add" or "remove"
    moved_by: int | None
    moved_at: datetime


class StreetReportRepository(Protocol):
    """A street office's figures over its set of communities, and provider moves (storage.sqlite.street_reports)."""

    async def offer_counts(
        self, community_ids: Sequence[int], since: datetime, until: datetime, limit_minutes: float
    ) -> Sequence[OfferCounts]: ...
    async def waiting_times(
        self, community_ids: Sequence[int], since: datetime, until: datetime
    ) -> Sequence[WaitingTimes]: ...
    async def demand(self, community_ids: Sequence[int], since: datetime, until: datetime) -> Sequence[Demand]: ...
    async def supply(self, community_ids: Sequence[int]) -> Sequence[Supply]: ...
    async def provider_loads(
        self, community_ids: Sequence[int], done_since: datetime, provider_id: int | None = None
    ) -> Sequence[ProviderLoad]: ...
    async def waiting_since(self, community_ids: Sequence[int]) -> dict[int, datetime]: ...
    async def add_service_area(self, provider_id: int, community_id: int, moved_by: int, now: datetime) -> bool: ...
    async def remove_service_area(self, provider_id: int, community_id: int, moved_by: int, now: datetime) -> bool: ...
    async def moves(self, community_ids: Sequence[int], since: datetime, until: datetime) -> Sequence[ProviderMove]: ...
