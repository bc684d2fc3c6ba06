"""Plain records of funds, projects and calls (migration 0025), kept apart from storage/records.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Fund:
    id: int
    name: str
    funder: str  # street | district | lottery | donation
    created_by: int
    community_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Project:
    id: int
    fund_id: int
    title: str
    kind: str  # purchase | venture | vote
    budget_fen: int
    organization_id: int | None
    organization: str | None
    status: str
    starts_at: datetime
    ends_at: datetime
    vote_project_id: int | None
    formula: str | None  # JSON, see core.performance_pay
    community_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Milestone:
    id: int
    project_id: int
    title: str
    due_on: str | None
    done_at: datetime | None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    fund_id: int
    kind: str
    amount_fen: int
    from_account: str
    to_account: str
    project_id: int | None
    community_id: int | None
    actor_id: int
    at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class DeliveredRequest:
    """A request done by the project's organisation in its communities and period (see core.projects)."""

    request_id: int
    reference: str
    community_id: int
    rating: int | None
    done_at: datetime


@dataclass(frozen=True, slots=True)
class Call:
    id: int
    fund_id: int
    title: str
    kind: str  # purchase | venture
    ceiling_fen: int
    deadline_at: datetime
    status: str  # open | awarded
    created_by: int
    application_id: int | None
    award_reason: str | None
    project_id: int | None
    community_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class CallApplication:
    id: int
    call_id: int
    organization_id: int
    organization: str
    applicant_id: int
    proposal: str
    budget_fen: int
    community_ids: tuple[int, ...]
    via: str  # chat | file
    submitted_at: datetime
