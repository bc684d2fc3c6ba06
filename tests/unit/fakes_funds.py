"""Small in-memory fakes for core.funds, core.projects and core.performance_pay (no SQL, no mocks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from storage.records import OfferFact
from storage.records_projects import DeliveredRequest, Fund, LedgerEntry, Milestone, Project

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


class FakeFunds:
    def __init__(self) -> None:
        self.funds: dict[int, Fund] = {}
        self.rows: list[LedgerEntry] = []

    async def create(self, name: str, funder: str, created_by: int, community_ids: Sequence[int], now: datetime) -> int:
        fund_id = len(self.funds) + 1
        self.funds[fund_id] = Fund(fund_id, name, funder, created_by, tuple(sorted(set(community_ids))))
        return fund_id

    async def get(self, fund_id: int) -> Fund | None:
        return self.funds.get(fund_id)

    async def all(self) -> Sequence[Fund]:
        return list(self.funds.values())

    async def book(
        self,
        fund_id: int,
        kind: str,
        amount_fen: int,
        from_account: str,
        to_account: str,
        *,
        project_id: int | None,
        community_id: int | None,
        actor_id: int,
        reason: str,
        now: datetime,
    ) -> int:
        entry = LedgerEntry(
            len(self.rows) + 1,
            fund_id,
            kind,
            amount_fen,
            from_account,
            to_account,
            project_id,
            community_id,
            actor_id,
            now,
            reason,
        )
        self.rows.append(entry)  # append only: nothing here changes or removes a row
        return entry.id

    async def balances(self, fund_id: int) -> dict[str, int]:
        result: dict[str, int] = {}
        for e in self.rows:
            if e.fund_id == fund_id:
                result[e.to_account] = result.get(e.to_account, 0) + e.amount_fen
                result[e.from_account] = result.get(e.from_account, 0) - e.amount_fen
        return result

    async def entries(self, fund_id: int | None = None, project_id: int | None = None) -> Sequence[LedgerEntry]:
        return [e for e in self.rows if fund_id in (None, e.fund_id) and project_id in (None, e.project_id)]


class FakeProjects:
    def __init__(self) -> None:
        self.rows: dict[int, Project] = {}
        self.done: dict[int, list[DeliveredRequest]] = {}
        self.minutes: dict[int, int] = {}  # request id → minutes
        self.milestone_rows: list[Milestone] = []
        self.organizations: dict[int, str] = {}
        self.organization_hours: dict[int, int] = {}  # organisation id → minutes in the last year
        self.offers: dict[int, list[OfferFact]] = {}  # organisation id (when the offer was made) → its offers

    async def create(
        self,
        fund_id: int,
        title: str,
        kind: str,
        budget_fen: int,
        organization_id: int | None,
        community_ids: Sequence[int],
        starts_at: datetime,
        ends_at: datetime,
        created_by: int,
        now: datetime,
        vote_project_id: int | None = None,
    ) -> int | None:
        if vote_project_id is not None and any(p.vote_project_id == vote_project_id for p in self.rows.values()):
            return None
        project_id = len(self.rows) + 1
        self.rows[project_id] = Project(
            project_id,
            fund_id,
            title,
            kind,
            budget_fen,
            organization_id,
            "机构",
            "running",
            starts_at,
            ends_at,
            vote_project_id,
            None,
            tuple(sorted(set(community_ids))),
        )
        return project_id

    async def get(self, project_id: int) -> Project | None:
        return self.rows.get(project_id)

    async def all(self) -> Sequence[Project]:
        return list(self.rows.values())

    async def set_status(self, project_id: int, status: str) -> None:
        self.rows[project_id] = replace(self.rows[project_id], status=status)

    async def of_vote_project(self, vote_project_id: int) -> Project | None:
        return next((p for p in self.rows.values() if p.vote_project_id == vote_project_id), None)

    async def delivered(self, project_id: int, organization_id: int) -> Sequence[DeliveredRequest]:
        return self.done.get(project_id, [])

    async def organization_name(self, organization_id: int) -> str | None:
        return self.organizations.get(organization_id)

    async def organization_minutes(self, organization_id: int, since: datetime, until: datetime) -> int:
        return self.organization_hours.get(organization_id, 0)

    async def organization_offer_facts(self, organization_id: int, since: datetime, until: datetime) -> list[OfferFact]:
        return [f for f in self.offers.get(organization_id, []) if since <= f.offered_at < until]

    async def set_formula(self, project_id: int, formula: str) -> None:
        self.rows[project_id] = replace(self.rows[project_id], formula=formula)

    async def of_organization(self, organization_id: int) -> Sequence[Project]:
        return [p for p in self.rows.values() if p.organization_id == organization_id]

    async def minutes_for_requests(self, request_ids: Sequence[int]) -> int:
        return sum(self.minutes.get(r, 0) for r in request_ids)


class FakeStreet:
    def __init__(self, offices: dict[int, list[int]]) -> None:
        self.offices = offices

    async def communities(self, telegram_id: int) -> list[int]:
        return self.offices.get(telegram_id, [])


class FakeLocks:
    def __init__(self) -> None:
        self.taken: list[str] = []

    async def one_at_a_time(self, name: str) -> None:
        self.taken.append(name)


@dataclass
class FakeUow:
    offices: dict[int, list[int]] = field(default_factory=dict)
    funds: FakeFunds = field(default_factory=FakeFunds)
    projects: FakeProjects = field(default_factory=FakeProjects)
    locks: FakeLocks = field(default_factory=FakeLocks)

    def __post_init__(self) -> None:
        self.street = FakeStreet(self.offices)

    async def project(self, fund_id: int, budget: int, communities: Sequence[int]) -> int:
        project_id = await self.projects.create(
            fund_id, "助餐", "purchase", budget, 1, communities, NOW, NOW + timedelta(days=365), 1, NOW
        )
        assert project_id is not None
        return project_id
