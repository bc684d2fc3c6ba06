"""Calls for organisations (招标/征集): a street office opens one for a new project; organisation members apply
for their own organisation (in the chat or by file); the office awards one application with a recorded reason,
the winner becomes the delivering organisation of a new project, and every applicant is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core import projects
from core.broadcast import NotAllowed
from core.money import MoneyError, parse_fen
from storage.protocols import UnitOfWork
from storage.records_projects import Call, CallApplication, Project

CALL_KINDS = ("purchase", "venture")
MAX_PROPOSAL = 500
MAX_REASON = 200


class CallError(Exception):
    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


async def call_for_office(uow: UnitOfWork, actor: int, call_id: int | None) -> Call:
    steered = await projects.office(uow, actor)
    call = await uow.calls.get(call_id) if call_id is not None else None
    if call is None or not projects.steers(steered, call.community_ids):
        raise NotAllowed(actor)
    return call


async def open_call(
    uow: UnitOfWork,
    actor: int,
    fund_id: int,
    kind: str,
    title: str,
    ceiling: int,
    deadline: datetime,
    now: datetime,
) -> int:
    fund = await projects.fund_for(uow, actor, fund_id)
    if kind not in CALL_KINDS:
        raise NotAllowed(actor)
    if deadline <= now:
        raise CallError("call.deadline_past")
    title = " ".join(title.split())[: projects.MAX_TITLE]
    if not title:
        raise CallError("call.bad_form")
    return await uow.calls.create(fund.id, title, kind, ceiling, deadline, fund.community_ids, actor, now)


async def applicant_organization(uow: UnitOfWork, actor: int) -> int:
    """The organisation an applicant applies for: their own, as registered; NotAllowed without one."""
    provider = await uow.providers.get(actor)
    organization_id = await uow.projects.provider_organization(actor) if provider is not None else None
    if provider is None or provider.kind not in ("org_member", "social_worker") or organization_id is None:
        raise NotAllowed(actor)
    return organization_id


async def call_for_applicant(uow: UnitOfWork, actor: int, call_id: int | None) -> tuple[Call, int]:
    """(the call, the applicant's organisation): only a call covering a community the applicant serves — the
    calls they are told of; another street's call is not theirs to see or apply to (NotAllowed)."""
    organization_id = await applicant_organization(uow, actor)
    provider = await uow.providers.get(actor)
    call = await uow.calls.get(call_id) if call_id is not None else None
    if call is None or provider is None or not set(call.community_ids) & set(provider.community_ids):
        raise NotAllowed(actor)
    return call, organization_id


def open_for_applications(call: Call, now: datetime) -> bool:
    return call.status == "open" and call.deadline_at > now


@dataclass(frozen=True)
class Draft:
    proposal: str
    budget_fen: int
    community_ids: tuple[int, ...]


def parse_application(text: str, call: Call, names: dict[str, int]) -> Draft:
    """'方案｜预算｜社区、社区' (or one per line); communities left out: all of the call's."""
    parts = [p.strip() for p in text.replace("|", "｜").replace("\n", "｜").split("｜")]
    parts = [p for p in parts if p]
    if len(parts) < 2:
        raise CallError("call.bad_application")
    proposal = parts[0][:MAX_PROPOSAL]
    try:
        budget = parse_fen(parts[1])
    except MoneyError as exc:
        raise CallError(exc.key) from exc
    if budget > call.ceiling_fen:
        raise CallError("call.over_ceiling", ceiling=call.ceiling_fen)
    if len(parts) > 2:
        wanted = [n.strip() for n in parts[2].replace("，", "、").replace(",", "、").split("、") if n.strip()]
        unknown = [n for n in wanted if names.get(n) not in call.community_ids]
        if unknown or not wanted:
            raise CallError("call.unknown_communities", names="、".join(unknown))
        communities = tuple(sorted({names[n] for n in wanted}))
    else:
        communities = call.community_ids
    return Draft(proposal, budget, communities)


async def apply(uow: UnitOfWork, actor: int, call_id: int, draft: Draft, via: str, now: datetime) -> int:
    call, organization_id = await call_for_applicant(uow, actor, call_id)
    if not open_for_applications(call, now):
        raise CallError("call.closed")
    if draft.budget_fen > call.ceiling_fen:
        raise CallError("call.over_ceiling", ceiling=call.ceiling_fen)
    if not draft.community_ids or not set(draft.community_ids) <= set(call.community_ids):
        raise CallError("call.unknown_communities", names="")
    return await uow.calls.apply(
        call.id, organization_id, actor, draft.proposal, draft.budget_fen, draft.community_ids, via, now
    )


def awardable(call: Call, now: datetime) -> None:
    """Awards only once the deadline has passed: everyone the call told may apply until then, and no application
    can change after it, so the office awards exactly what it read (CallError otherwise)."""
    if call.status != "open":
        raise CallError("call.awarded_already")
    if call.deadline_at > now:
        raise CallError("call.award_after_deadline")


async def award(
    uow: UnitOfWork, actor: int, application_id: int, reason: str, now: datetime, seen_at: datetime | None = None
) -> tuple[Call, CallApplication, Project]:
    """The application wins: a new project with its budget, communities and organisation; the call is closed.
    `seen_at` is the submitted_at of the application as the office saw it: a re-application since then (same id,
    new content) is refused rather than awarded unseen."""
    application = await uow.calls.application(application_id)
    if application is None:
        raise NotAllowed(actor)
    call = await call_for_office(uow, actor, application.call_id)
    await uow.locks.one_at_a_time(f"call:{call.id}")
    call = await call_for_office(uow, actor, call.id)  # read again under the lock
    application = await uow.calls.application(application_id)
    assert application is not None
    awardable(call, now)
    if seen_at is not None and application.submitted_at != seen_at:
        raise CallError("call.application_changed")
    reason = " ".join(reason.split())[:MAX_REASON]
    if len(reason) < 2:
        raise CallError("call.reason_needed")
    # Claim the call first: if it was awarded meanwhile, nothing at all is written (no project left behind).
    if not await uow.calls.award(call.id, application.id, reason, actor, now):
        raise CallError("call.awarded_already")
    project_id = await uow.projects.create(
        call.fund_id,
        call.title,
        call.kind,
        application.budget_fen,
        application.organization_id,
        application.community_ids,
        now,
        now + projects.DEFAULT_PERIOD,
        actor,
        now,
    )
    assert project_id is not None
    await uow.calls.set_project(call.id, project_id)
    project = await uow.projects.get(project_id)
    assert project is not None
    return call, application, project
