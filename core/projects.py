"""Projects and who may steer them: a street office (街道/区) over the project's communities.

A project is a purchased service (政府购买服务), a 公益创投 grant, or a resident vote's winner; it belongs to one
fund (whose funder it has), serves communities, is delivered by an organisation, has milestones, and is credited
with the requests it delivered: those done by a provider of its organisation in one of its communities within its
period (storage/sqlite/projects.py, the older of two overlapping projects of one organisation counts a request).
A street office may act on a fund or a project only if it steers every community that fund or project covers.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from core import funds
from core.broadcast import NotAllowed
from core.funds import FundError
from storage.protocols import UnitOfWork
from storage.records_projects import DeliveredRequest, Fund, Project

KINDS = ("purchase", "venture", "vote")
DEFAULT_PERIOD = timedelta(days=365)
MAX_TITLE = 60


async def office(uow: UnitOfWork, actor: int) -> frozenset[int]:
    """The communities this person steers as a street office; NotAllowed for anyone else."""
    communities = frozenset(await uow.street.communities(actor))
    if not communities:
        raise NotAllowed(actor)
    return communities


def steers(communities: frozenset[int], covered: tuple[int, ...]) -> bool:
    return bool(covered) and set(covered) <= communities


async def fund_for(uow: UnitOfWork, actor: int, fund_id: int | None) -> Fund:
    steered = await office(uow, actor)
    fund = await uow.funds.get(fund_id) if fund_id is not None else None
    if fund is None or not steers(steered, fund.community_ids):
        raise NotAllowed(actor)
    return fund


async def project_for(uow: UnitOfWork, actor: int, project_id: int | None) -> Project:
    steered = await office(uow, actor)
    project = await uow.projects.get(project_id) if project_id is not None else None
    if project is None or not steers(steered, project.community_ids):
        raise NotAllowed(actor)
    return project


async def visible_funds(uow: UnitOfWork, actor: int) -> list[Fund]:
    steered = await office(uow, actor)
    return [f for f in await uow.funds.all() if steers(steered, f.community_ids)]


async def visible_projects(uow: UnitOfWork, actor: int) -> list[Project]:
    steered = await office(uow, actor)
    return [p for p in await uow.projects.all() if steers(steered, p.community_ids)]


async def create_fund(uow: UnitOfWork, actor: int, name: str, funder: str, amount: int, now: datetime) -> int:
    """A fund over all the office's communities, with its first money in."""
    steered = await office(uow, actor)
    if funder not in funds.FUNDERS:
        raise FundError("fund.bad_funder")
    fund_id = await uow.funds.create(name.strip()[:MAX_TITLE], funder, actor, sorted(steered), now)
    await funds.fund_in(uow, fund_id, amount, actor, name, now)
    return fund_id


@dataclass(frozen=True)
class WaitingWinner:
    vote_project_id: int
    community_id: int
    round_title: str
    title: str
    organization: str
    budget_fen: int


async def waiting_winners(uow: UnitOfWork, actor: int) -> list[WaitingWinner]:
    """Winners of the office's communities' published votes that are not projects yet."""
    waiting = []
    for community_id in sorted(await office(uow, actor)):
        for vote_round in await uow.votes.rounds(community_id, 50):
            if vote_round.status != "closed":
                continue
            for candidate in await uow.votes.projects(vote_round.id):
                if candidate.won and await uow.projects.of_vote_project(candidate.id) is None:
                    waiting.append(
                        WaitingWinner(
                            candidate.id,
                            community_id,
                            vote_round.title,
                            candidate.title,
                            candidate.organization,
                            candidate.budget_yuan * 100,
                        )
                    )
    return waiting


async def from_vote(uow: UnitOfWork, actor: int, vote_project_id: int, fund_id: int, now: datetime) -> Project:
    """The project of a published vote's winner (made once: a second press finds the first one)."""
    fund = await fund_for(uow, actor, fund_id)
    found = {w.vote_project_id: w for w in await waiting_winners(uow, actor)}
    existing = await uow.projects.of_vote_project(vote_project_id)
    if existing is not None:
        if not steers(await office(uow, actor), existing.community_ids):
            raise NotAllowed(actor)
        return existing
    winner = found.get(vote_project_id)
    if winner is None:
        raise NotAllowed(actor)
    if winner.community_id not in fund.community_ids:
        raise FundError("fund.wrong_fund")
    organization_id = await uow.catalog.ensure_organization(winner.organization, now) if winner.organization else None
    project_id = await uow.projects.create(
        fund.id,
        winner.title,
        "vote",
        winner.budget_fen,
        organization_id,
        [winner.community_id],
        now,
        now + DEFAULT_PERIOD,
        actor,
        now,
        vote_project_id=vote_project_id,
    )
    project = await uow.projects.get(project_id) if project_id is not None else None
    if project is None:  # another office made it in the same instant: that one stands
        project = await uow.projects.of_vote_project(vote_project_id)
    assert project is not None
    return project


@dataclass(frozen=True)
class Delivered:
    requests: tuple[DeliveredRequest, ...]
    minutes: int
    satisfaction: float | None  # mean rating of the rated ones

    @property
    def done(self) -> int:
        return len(self.requests)


async def delivered(uow: UnitOfWork, project: Project) -> Delivered:
    if project.organization_id is None:
        return Delivered((), 0, None)
    found = tuple(await uow.projects.delivered(project.id, project.organization_id))
    minutes = await uow.projects.minutes_for_requests([r.request_id for r in found]) if found else 0
    ratings = [r.rating for r in found if r.rating is not None]
    return Delivered(found, minutes, statistics.fmean(ratings) if ratings else None)


@dataclass(frozen=True)
class ProjectFigures:
    project: Project
    funder: str
    money: funds.ProjectMoney
    delivered: Delivered


async def figures(uow: UnitOfWork, project: Project) -> ProjectFigures:
    fund = await uow.funds.get(project.fund_id)
    money = await funds.project_money(uow, project.fund_id, project.id)
    return ProjectFigures(project, fund.funder if fund else "", money, await delivered(uow, project))


@dataclass
class CommunityFigures:
    """A community's part. A project serving several communities is shared equally among them (the remainder of
    a fen to the first), so the communities' figures add up to the projects' and the ledger's."""

    community_id: int
    unassigned: int = 0  # allocated to the community, not yet to a project
    in_projects: int = 0  # its share of what its projects were allocated
    spent: int = 0
    done: int = 0
    minutes: int = 0
    ratings: list[int] | None = None

    @property
    def allocated(self) -> int:
        return self.unassigned + self.in_projects

    @property
    def satisfaction(self) -> float | None:
        return statistics.fmean(self.ratings) if self.ratings else None


def _shares(amount: int, parts: int) -> list[int]:
    base, rest = divmod(amount, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


async def community_figures(uow: UnitOfWork, actor: int, projects: list[ProjectFigures]) -> list[CommunityFigures]:
    steered = sorted(await office(uow, actor))
    rows = {c: CommunityFigures(c, ratings=[]) for c in steered}
    for fund in await visible_funds(uow, actor):
        for account, balance in (await uow.funds.balances(fund.id)).items():
            if account.startswith("community:") and int(account.split(":")[1]) in rows:
                rows[int(account.split(":")[1])].unassigned += balance
    for item in projects:
        ids = item.project.community_ids
        for community_id, allocated, spent in zip(
            ids, _shares(item.money.allocated, len(ids)), _shares(item.money.spent, len(ids)), strict=True
        ):
            if community_id in rows:
                rows[community_id].in_projects += allocated
                rows[community_id].spent += spent
        for request in item.delivered.requests:
            if request.community_id in rows:
                row = rows[request.community_id]
                row.done += 1
                if request.rating is not None:
                    assert row.ratings is not None
                    row.ratings.append(request.rating)
        if item.delivered.requests:  # hours per request would need a query each; shared by requests done instead
            per_community = {c: sum(1 for r in item.delivered.requests if r.community_id == c) for c in ids}
            for community_id, count in per_community.items():
                if community_id in rows:
                    rows[community_id].minutes += item.delivered.minutes * count // item.delivered.done
    return [rows[c] for c in steered]
