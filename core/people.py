"""Registering providers (social workers, volunteers, organisation members) and community staff.

Used by the command line for bootstrapping and later by invitations. Every name given is checked: an
unknown service, community or supervisor is refused with a reason, and nothing is written.

Community borders: a person invited by a community's staff serves that community at once. Serving another
community is only an ask (a pending application) until a staff member of THAT community approves it; until
then the provider gets none of its tasks, announcements or residents' contacts. The command line is an
operator's action and registers any communities directly.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from storage.protocols import UnitOfWork
from storage.records import Application, Invite, Provider

PROVIDER_KINDS = ("social_worker", "volunteer", "org_member")
STAFF = "staff"
STREET = "street"  # 街道/区 staff over a set of communities (migration 0022)
GRID_WORKER = "grid_worker"  # 网格员 of one community
PENDING, APPROVED, REFUSED = "pending", "approved", "refused"


class RegistrationError(ValueError):
    pass


class UnknownApplication(LookupError):
    pass


class AlreadyDecided(Exception):
    def __init__(self, application: Application) -> None:
        super().__init__(f"application {application.id} is already {application.status}")
        self.application = application


async def _community_ids(uow: UnitOfWork, names: Sequence[str]) -> list[int]:
    ids = []
    for name in names:
        community = await uow.communities.by_name(name)
        if community is None:
            known = "、".join(c.name for c in await uow.communities.list_all()) or "（无）"
            raise RegistrationError(f"未知社区 / unknown community: {name}（已有 / known: {known}）")
        ids.append(community.id)
    return ids


async def register_provider(
    uow: UnitOfWork,
    telegram_id: int,
    kind: str,
    *,
    name: str,
    organization: str | None,
    service_ids: Sequence[str],
    communities: Sequence[str],
    supervisor_id: int | None,
    locale: str,
    now: datetime,
) -> Provider:
    if kind not in PROVIDER_KINDS:
        raise RegistrationError(f"未知角色 / unknown role: {kind}（可选 / one of: {', '.join(PROVIDER_KINDS)}）")
    if not service_ids or not communities:
        raise RegistrationError("至少要有一项服务和一个社区 / at least one service and one community")
    known = await uow.catalog.service_ids()
    unknown = [sid for sid in service_ids if sid not in known]
    if unknown:
        raise RegistrationError(f"未知或已停用的服务 / unknown or inactive service: {', '.join(unknown)}")
    community_ids = await _community_ids(uow, communities)
    if supervisor_id is not None:
        supervisor = await uow.providers.get(supervisor_id)
        if supervisor is None or supervisor.kind != "social_worker":
            raise RegistrationError(
                f"督导必须是已登记的社工 / supervisor {supervisor_id} is not a registered social worker"
            )
    if kind == "volunteer" and supervisor_id is None:
        raise RegistrationError("志愿者需要一位督导社工 / a volunteer needs --supervisor (a social worker)")
    organization_id = await uow.catalog.ensure_organization(organization, now) if organization else None
    await uow.users.create(telegram_id, locale, now)
    await uow.users.grant_role(telegram_id, kind, now, community_id=community_ids[0])
    provider = Provider(telegram_id, kind, name, organization, supervisor_id, True, tuple(service_ids),
                        tuple(community_ids))  # fmt: skip
    await uow.providers.upsert(provider, organization_id, now)
    found = await uow.providers.get(telegram_id)
    assert found is not None
    return found


async def register_staff(uow: UnitOfWork, telegram_id: int, community: str, locale: str, now: datetime) -> int:
    (community_id,) = await _community_ids(uow, [community])
    await uow.users.create(telegram_id, locale, now)
    await uow.users.grant_role(telegram_id, STAFF, now, community_id=community_id)
    return community_id


async def register_street_office(
    uow: UnitOfWork, telegram_id: int, communities: Sequence[str], locale: str, now: datetime
) -> list[int]:
    """A street office (街道/区) over `communities`; registering again adds communities, never drops one."""
    if not communities:
        raise RegistrationError("至少要有一个社区 / at least one community")
    community_ids = await _community_ids(uow, communities)
    await uow.users.create(telegram_id, locale, now)
    await uow.users.grant_role(telegram_id, STREET, now)
    await uow.street.add_communities(telegram_id, community_ids, now)
    return await uow.street.communities(telegram_id)


async def register_grid_worker(uow: UnitOfWork, telegram_id: int, community: str, locale: str, now: datetime) -> int:
    """A 网格员 of one community: may file requests for its residents (core/on_behalf)."""
    (community_id,) = await _community_ids(uow, [community])
    await uow.users.create(telegram_id, locale, now)
    await uow.users.grant_role(telegram_id, GRID_WORKER, now, community_id=community_id)
    return community_id


INVITE_VALID = timedelta(days=7)
INVITE_PREFIX = "inv_"


async def create_invite(uow: UnitOfWork, staff_id: int, kind: str, organization: str | None, now: datetime) -> Invite:
    """Staff invite a provider to their own community; the code goes into a t.me deep link."""
    if kind not in PROVIDER_KINDS:
        raise RegistrationError(kind)
    community_id = await uow.users.role_community(staff_id, STAFF)
    if community_id is None:
        raise PermissionError("only community staff can invite")
    invite = Invite(secrets.token_urlsafe(12), kind, organization, community_id, staff_id, now + INVITE_VALID)
    await uow.invites.add(invite, now)
    return invite


async def open_invite(uow: UnitOfWork, code: str, now: datetime) -> Invite:
    """The invite behind a /start payload, if it can still be used (it is spent only on registration)."""
    invite = await uow.invites.get(code.removeprefix(INVITE_PREFIX))
    if invite is None or invite.used_by is not None or invite.expires_at <= now:
        raise RegistrationError("invite unknown, used or expired")
    return invite


async def invite_communities(uow: UnitOfWork, invite: Invite) -> list[int]:
    """The communities an invite lets its holder serve without asking anyone: the one it was made for, i.e.
    the community its staff member is staff of (a person holds one staff role, for one community)."""
    return [invite.community_id]


async def register_invited(
    uow: UnitOfWork,
    invite: Invite,
    telegram_id: int,
    *,
    name: str,
    service_ids: Sequence[str],
    communities: Sequence[int],
    asked: Sequence[int],
    supervisor_id: int | None,
    locale: str,
    now: datetime,
) -> tuple[Provider, list[Application]]:
    """Redeem an invite: serve `communities` (only the invite's own), ask to serve `asked` (any other
    community: pending until its staff approve). A supervisor must already serve one of `communities`."""
    current = await uow.invites.get(invite.code)
    if current is None or current.used_by is not None or current.expires_at <= now:
        raise RegistrationError("invite unknown, used or expired")
    own = await invite_communities(uow, current)
    if not communities or any(cid not in own for cid in communities):
        raise RegistrationError("an invited provider serves only the inviting staff's communities without approval")
    asked_ids = sorted({cid for cid in asked if cid not in communities})
    for cid in asked_ids:
        if await uow.communities.get(cid) is None:
            raise RegistrationError(f"unknown community {cid}")
    if supervisor_id is not None:
        supervisor = await uow.providers.get(supervisor_id)
        if supervisor is None or not set(supervisor.community_ids) & set(communities):
            raise RegistrationError(f"supervisor {supervisor_id} does not serve the chosen communities")
    names = []
    for cid in communities:
        community = await uow.communities.get(cid)
        if community is None:
            raise RegistrationError(f"unknown community {cid}")
        names.append(community.name)
    provider = await register_provider(
        uow, telegram_id, current.kind, name=name, organization=current.organization, service_ids=service_ids,
        communities=names, supervisor_id=supervisor_id, locale=locale, now=now,
    )  # fmt: skip
    if not await uow.invites.use(current.code, telegram_id, now):  # cannot fail inside one write transaction
        raise RegistrationError("invite used meanwhile")
    pending = {a.community_id for a in await uow.providers.applications(telegram_id) if a.status == PENDING}
    applications = []
    for cid in asked_ids:
        if cid in provider.community_ids or cid in pending:
            continue
        application = await uow.providers.application(
            await uow.providers.apply(telegram_id, cid, current.created_by, now)
        )
        assert application is not None
        applications.append(application)
    return provider, applications


async def decide_application(
    uow: UnitOfWork, application_id: int | None, staff_id: int, approve: bool, now: datetime
) -> Application:
    """A staff member of the application's own community approves or refuses it; anyone else is refused
    (PermissionError), whatever the button said. A decided application is not decided again."""
    application = await uow.providers.application(application_id) if application_id is not None else None
    if application is None:
        raise UnknownApplication(application_id)
    if await uow.users.role_community(staff_id, STAFF) != application.community_id:
        raise PermissionError("only the staff of the community asked decide")
    if application.status != PENDING or not await uow.providers.decide(application.id, approve, staff_id, now):
        decided = await uow.providers.application(application.id)
        raise AlreadyDecided(decided or application)
    decided = await uow.providers.application(application.id)
    assert decided is not None
    return decided
