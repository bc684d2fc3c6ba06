"""A street office's figures over its communities (issue 15, point 3): per community and in total the three
rates of /stats — response (响应率), resolution (解决率), satisfaction (满意度) — with median and 90th-percentile
minutes to accept and to finish, and the period's needs: filed, resolved, unmet, by category.

The rates mean exactly what core.stats says (the same pushes, the same time limit, the same "needed an answer");
storage counts them in SQL for the whole set at once, so hundreds of communities cost a handful of queries.
Who may see which communities is decided here and nowhere else: the street office's own set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.protocols import UnitOfWork
from storage.street_records import ALL_COMMUNITIES, Demand, OfferCounts, WaitingTimes


@dataclass(frozen=True)
class CommunityFigures:
    community_id: int  # ALL_COMMUNITIES for the total
    name: str
    offers: int
    response_rate: float | None
    accepted: int
    resolution_rate: float | None
    satisfaction: float | None  # mean rating of accepted tasks (as /stats)
    median_to_accept: float | None  # minutes
    p90_to_accept: float | None
    median_to_done: float | None
    p90_to_done: float | None
    filed: int  # requests filed in the period
    resolved: int
    unmet: int


@dataclass(frozen=True)
class UnmetNeeds:
    community_id: int
    name: str
    category: str | None  # None: no service fitted
    filed: int
    unmet: int


@dataclass(frozen=True)
class StreetFigures:
    since: datetime
    until: datetime
    communities: tuple[CommunityFigures, ...]  # by name
    total: CommunityFigures
    unmet: tuple[UnmetNeeds, ...]  # most unmet first
    demand: tuple[Demand, ...] = ()  # the rows counted, for the supply-and-demand table (read once)

    @property
    def empty(self) -> bool:
        return self.total.offers == 0 and self.total.filed == 0


async def office_communities(uow: UnitOfWork, telegram_id: int) -> dict[int, str]:
    """The communities a street office steers, id → name; empty for anyone who is not one."""
    ids = await uow.street.communities(telegram_id)
    names: dict[int, str] = {}
    for community in await uow.communities.list_all():
        if community.id in ids:
            names[community.id] = community.name
    return names


def _figures(
    community_id: int,
    name: str,
    counts: OfferCounts | None,
    waits: WaitingTimes | None,
    demand: Sequence[Demand],
) -> CommunityFigures:
    return CommunityFigures(
        community_id=community_id,
        name=name,
        offers=counts.offers if counts else 0,
        response_rate=counts.in_time / counts.needed if counts and counts.needed else None,
        accepted=counts.accepted if counts else 0,
        resolution_rate=counts.done / counts.accepted if counts and counts.accepted else None,
        satisfaction=counts.satisfaction if counts else None,
        median_to_accept=waits.median_to_accept if waits else None,
        p90_to_accept=waits.p90_to_accept if waits else None,
        median_to_done=waits.median_to_done if waits else None,
        p90_to_done=waits.p90_to_done if waits else None,
        filed=sum(d.filed for d in demand),
        resolved=sum(d.resolved for d in demand),
        unmet=sum(d.unmet for d in demand),
    )


def build(
    names: Mapping[int, str],
    total_name: str,
    counts: Sequence[OfferCounts],
    waits: Sequence[WaitingTimes],
    demand: Sequence[Demand],
    since: datetime,
    until: datetime,
) -> StreetFigures:
    by_counts = {c.community_id: c for c in counts}
    by_waits = {w.community_id: w for w in waits}
    communities = tuple(
        _figures(cid, name, by_counts.get(cid), by_waits.get(cid), [d for d in demand if d.community_id == cid])
        for cid, name in sorted(names.items(), key=lambda item: (item[1], item[0]))
    )
    total = _figures(ALL_COMMUNITIES, total_name, by_counts.get(ALL_COMMUNITIES), by_waits.get(ALL_COMMUNITIES), demand)
    unmet = sorted(
        (
            UnmetNeeds(d.community_id, names.get(d.community_id, ""), d.category, d.filed, d.unmet)
            for d in demand
            if d.unmet > 0
        ),
        key=lambda u: (-u.unmet, u.name, u.category or ""),
    )
    return StreetFigures(since, until, communities, total, tuple(unmet), tuple(demand))


async def street_figures(
    uow: UnitOfWork, names: Mapping[int, str], total_name: str, since: datetime, until: datetime, limit: timedelta
) -> StreetFigures:
    """Everything /stats and /report show a street office about `names`' communities in [since, until)."""
    ids = sorted(names)
    counts = await uow.street_reports.offer_counts(ids, since, until, limit.total_seconds() / 60)
    waits = await uow.street_reports.waiting_times(ids, since, until)
    demand = await uow.street_reports.demand(ids, since, until)
    return build(names, total_name, counts, waits, demand, since, until)
