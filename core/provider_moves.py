"""人随事转 (issue 15, point 6): a street office sees the providers of its communities with their load, and
moves a provider's service area between the communities it steers.

A move adds or removes one community of the office's own set: never one outside it, never a provider who
serves none of the set, and never a provider's last community (they would serve nowhere; add the new one first).
Open tasks stay with the provider — only new pushes follow the new area — and every move is recorded with who
made it and when (provider_moves).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.protocols import UnitOfWork
from storage.street_records import ProviderLoad

RECENT = timedelta(days=30)  # "done lately" in the load view

# Why a move is refused (each a locale key under street.move_).
OUTSIDE, NOT_OURS, ALREADY, NOT_SERVING, LAST = "outside", "not_ours", "already", "not_serving", "last"


class MoveRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CommunityLoad:
    community_id: int
    name: str
    serves: bool
    open_tasks: int
    done_recently: int


@dataclass(frozen=True)
class ProviderSummary:
    provider_id: int
    name: str
    organization: str | None
    on_duty: bool
    open_total: int  # in every community, the figure dispatch's load limit counts
    communities: tuple[CommunityLoad, ...]  # of the office's set only

    @property
    def done_recently(self) -> int:
        return sum(c.done_recently for c in self.communities)


def summarise(rows: Sequence[ProviderLoad], names: Mapping[int, str]) -> list[ProviderSummary]:
    """One summary per provider, in the rows' order (by name)."""
    grouped: dict[int, list[ProviderLoad]] = {}
    for row in rows:
        grouped.setdefault(row.provider_id, []).append(row)
    return [
        ProviderSummary(
            provider_id=pid,
            name=group[0].name,
            organization=group[0].organization,
            on_duty=group[0].on_duty,
            open_total=group[0].open_total,
            communities=tuple(
                CommunityLoad(r.community_id, names.get(r.community_id, ""), r.serves, r.open_tasks, r.done_recently)
                for r in sorted(group, key=lambda r: (names.get(r.community_id, ""), r.community_id))
            ),
        )
        for pid, group in grouped.items()
    ]


async def loads(uow: UnitOfWork, names: Mapping[int, str], now: datetime) -> list[ProviderSummary]:
    rows = await uow.street_reports.provider_loads(sorted(names), now - RECENT)
    return summarise(rows, names)


async def provider_of_office(
    uow: UnitOfWork, names: Mapping[int, str], provider_id: int, now: datetime
) -> ProviderSummary:
    """The provider as the office sees them; MoveRefused(NOT_OURS) when they neither serve any of its communities
    nor still have open tasks in one (a provider moved out keeps those tasks, and the office keeps seeing them)."""
    rows = await uow.street_reports.provider_loads(sorted(names), now - RECENT, provider_id)
    for summary in summarise(rows, names):
        return summary
    raise MoveRefused(NOT_OURS)


async def move(
    uow: UnitOfWork, office_id: int, names: Mapping[int, str], provider_id: int, community_id: int, add: bool,
    now: datetime,
) -> None:  # fmt: skip
    """Add `community_id` to the provider's service area, or take it away; MoveRefused says why not."""
    if community_id not in names:
        raise MoveRefused(OUTSIDE)
    # Two offices removing two of the provider's communities at once must not both pass the "last community"
    # check (PostgreSQL runs them side by side at READ COMMITTED): moves of one provider take turns, and what
    # is read below is what the previous one committed.
    await uow.locks.one_at_a_time(f"provider area:{provider_id}")
    provider = await uow.providers.get(provider_id)
    if provider is None or not set(provider.community_ids) & set(names):
        raise MoveRefused(NOT_OURS)
    if add:
        if not await uow.street_reports.add_service_area(provider_id, community_id, office_id, now):
            raise MoveRefused(ALREADY)
        return
    if community_id not in provider.community_ids:
        raise MoveRefused(NOT_SERVING)
    if len(provider.community_ids) == 1:
        raise MoveRefused(LAST)
    if not await uow.street_reports.remove_service_area(provider_id, community_id, office_id, now):
        raise MoveRefused(NOT_SERVING)


async def still_ours(uow: UnitOfWork, names: Mapping[int, str], provider_id: int) -> bool:
    """Whether the provider still serves a community of the set (after a move, which view to show)."""
    provider = await uow.providers.get(provider_id)
    return provider is not None and bool(set(provider.community_ids) & set(names))
