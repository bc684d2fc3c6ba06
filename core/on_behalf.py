"""Filing on someone's behalf (代办): who may file for whom, residents without a chat, and who hears about a
request filed for someone. No Telegram here.

- A family member files for a resident who confirmed the link (core.family).
- A 网格员 (grid_worker) or community staff member records residents of their community who have no chat and
  files for them; they then answer for them: status messages and the rating ask go to them (代为评价).
- The request names the resident (resident_id) and records the filer (requests.filed_by) and, for a resident
  without a chat, who answers for them (requests.proxy_id); history records each actor and for whom.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core import privacy
from core.dispatch import TOP_K
from core.filing import file_request
from core.people import GRID_WORKER, STAFF
from core.privacy import Withdrawal
from core.requests import Change
from storage.behalf import OfflineResident
from storage.protocols import UnitOfWork
from storage.records import RequestRecord, User, has_chat

FAMILY = "family"
MAX_NAME, MAX_PHONE, MAX_ADDRESS, MAX_BUILDING = 20, 20, 120, 20
SEARCH_LIMIT = 8


class BehalfError(ValueError):
    """Not allowed or not possible; `key` names the locale message that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Target:
    """Whom a filer files for, and how they may."""

    resident: User
    filer_id: int
    how: str  # FAMILY, GRID_WORKER or STAFF
    proxy_id: int | None  # the filer, when the resident has no chat
    name: str  # how the filer calls the resident


@dataclass(frozen=True)
class Listener:
    """Someone told about a request's news: the resident, the person answering for them, or the filer."""

    chat_id: int
    role: str  # "resident", "proxy" or "filer"
    rates: bool  # asked for the rating when it is done


async def worker_community(uow: UnitOfWork, user: User | None) -> tuple[str, int] | None:
    """(role, community) of a grid worker or staff member, who file for residents of that community only."""
    if user is None:
        return None
    for role in (STAFF, GRID_WORKER):
        if role in user.roles:
            community_id = await uow.users.role_community(user.telegram_id, role)
            if community_id is not None:
                return role, community_id
    return None


async def resolve(uow: UnitOfWork, filer: User | None, resident_id: int) -> Target:
    """Whether `filer` may file for this resident now (checked again at every step: links end, roles change)."""
    resident = await uow.users.get(resident_id)
    # Whoever files (family or worker) must themself have consented: a withdrawal ends their acting for others.
    if filer is None or resident is None or resident_id == filer.telegram_id or not filer.has_consented:
        raise BehalfError("behalf.not_allowed")
    if not (resident.has_consented and resident.community_id is not None):
        raise BehalfError("behalf.not_allowed")
    link = await uow.behalf.active_link(resident_id, filer.telegram_id)
    if link is not None:
        proxy = None if has_chat(resident_id) else filer.telegram_id
        return Target(resident, filer.telegram_id, FAMILY, proxy, link.resident_label)
    offline = None if has_chat(resident_id) else await uow.behalf.offline(resident_id)
    work = await worker_community(uow, filer)
    if offline is not None and work is not None and work[1] == offline.community_id:
        return Target(resident, filer.telegram_id, work[0], filer.telegram_id, offline.name)
    raise BehalfError("behalf.not_allowed")


async def still_acts(uow: UnitOfWork, person_id: int | None, resident_id: int) -> bool:
    """Whether someone who filed for (or answers for) a resident may still act for them: exactly when they could
    file for them now (a live family link; a grid worker's or staff member's role in the resident's community;
    their own consent). Ended links, lost roles and withdrawals end it at once."""
    if person_id is None or person_id == resident_id:
        return False
    try:
        await resolve(uow, await uow.users.get(person_id), resident_id)
    except BehalfError:
        return False
    return True


async def answerers(uow: UnitOfWork, request: RequestRecord) -> list[int]:
    """Who answers (hears news, rates, reopens) for a resident without chat: the proxy while they still may act
    for them, otherwise the staff of the request's community (so that nobody who lost the right keeps it and the
    request is not left without anyone)."""
    if has_chat(request.resident_id):
        return []
    filing = await uow.behalf.filing(request.id)
    if filing.proxy_id is None:
        return []
    if await still_acts(uow, filing.proxy_id, request.resident_id):
        return [filing.proxy_id]
    return sorted(await uow.users.with_role(STAFF, request.community_id))


async def may_see(uow: UnitOfWork, viewer_id: int, request: RequestRecord) -> bool:
    """A request is seen by its resident; by whoever filed or answers for it while they may still act for the
    resident; and by a family member the resident allowed to see their own requests too (sees_all)."""
    if request.resident_id == viewer_id:
        return True
    filing = await uow.behalf.filing(request.id)
    if viewer_id in (filing.filed_by, filing.proxy_id) and await still_acts(uow, viewer_id, request.resident_id):
        return True
    if viewer_id in await answerers(uow, request):
        return True
    link = await uow.behalf.active_link(request.resident_id, viewer_id)
    return link is not None and link.sees_all


async def may_cancel(uow: UnitOfWork, person_id: int, request: RequestRecord) -> bool:
    """The resident, or whoever filed it for them while they may still act for them."""
    if request.resident_id == person_id:
        return True
    filing = await uow.behalf.filing(request.id)
    return filing.filed_by == person_id and await still_acts(uow, person_id, request.resident_id)


async def filed_requests(uow: UnitOfWork, filer: User, limit: int) -> list[RequestRecord]:
    """What this person filed for others and may still see (不再代办的人 no longer sees it)."""
    return [r for r in await uow.behalf.filed_by(filer.telegram_id, limit) if await may_see(uow, filer.telegram_id, r)]


async def last_address(uow: UnitOfWork, filer: User, resident_id: int) -> str | None:
    """The address offered as 用上次的地址 when filing for someone: from a request of theirs this filer may see
    (a family member without sees_all: only what they filed), else the one recorded for a resident without chat."""
    await resolve(uow, filer, resident_id)  # still allowed to file for them at all
    for request in await uow.requests.of_resident(resident_id, limit=5):
        if request.address and await may_see(uow, filer.telegram_id, request):
            return request.address
    offline = None if has_chat(resident_id) else await uow.behalf.offline(resident_id)
    return offline.address if offline is not None else None


def with_contact(data: Mapping[str, Any], offline: OfflineResident | None) -> dict[str, Any]:
    """A resident without chat cannot be reached 通过聊天: without a phone typed in, the one recorded for them."""
    if data.get("phone") or offline is None or not offline.phone:
        return dict(data)
    return {**data, "phone": offline.phone}


async def family_choices(uow: UnitOfWork, filer: User) -> list[tuple[int, str]]:
    """The residents this person may file for as a family member: (id, how they call them)."""
    return [
        (link.resident_id, link.resident_label)
        for link in await uow.behalf.links_of(filer.telegram_id)
        if link.member_id == filer.telegram_id and link.status == "active"
    ]


async def search(uow: UnitOfWork, worker: User | None, words: str) -> list[OfflineResident]:
    work = await worker_community(uow, worker)
    if work is None:
        raise BehalfError("behalf.workers_only")
    return list(await uow.behalf.search_offline(work[1], " ".join(words.split()), SEARCH_LIMIT))


def clean(text: str | None, limit: int, *, required: bool = False) -> str | None:
    value = " ".join((text or "").split())
    if not value:
        if required:
            raise BehalfError("behalf.empty_answer")
        return None
    if len(value) > limit:
        raise BehalfError("behalf.too_long")
    return value


async def record_offline(uow: UnitOfWork, worker: User | None, answers: Mapping[str, Any], now: datetime) -> int:
    """Record a resident without a chat in the worker's community; the worker confirms (now) that the resident
    agreed. Returns the new person id."""
    work = await worker_community(uow, worker)
    if work is None or worker is None:
        raise BehalfError("behalf.workers_only")
    name = clean(answers.get("name"), MAX_NAME, required=True)
    assert name is not None
    return await uow.behalf.add_offline(
        work[1], name, clean(answers.get("phone"), MAX_PHONE), clean(answers.get("address"), MAX_ADDRESS),
        clean(answers.get("building"), MAX_BUILDING), worker.telegram_id, now,
    )  # fmt: skip


async def delete_offline(
    uow: UnitOfWork, staff: User | None, person_id: int, now: datetime
) -> tuple[str, Withdrawal | None]:
    """Staff of the person's community delete a resident without chat on request: erased as a withdrawal of
    consent erases (their requests become anonymous counts; history records the staff member as the one who
    cancelled, for them), then the record itself goes. Returns the name and the withdrawal, whose telling and
    blanking the caller does as a withdrawal's (handlers.consent.tell_withdrawal)."""
    offline = None if has_chat(person_id) else await uow.behalf.offline(person_id)
    work = await worker_community(uow, staff)
    if offline is None or work is None or work[0] != STAFF or work[1] != offline.community_id:
        raise BehalfError("behalf.not_allowed")
    assert staff is not None
    user = await uow.users.get(person_id)
    result = await privacy.withdraw(uow, user, now, actor_id=staff.telegram_id) if user is not None else None
    await uow.behalf.delete_offline(person_id)
    return offline.name, result


async def file_for(
    uow: UnitOfWork, target: Target, data: Mapping[str, Any], now: datetime, tz: ZoneInfo, top_k: int = TOP_K
) -> list[Change]:
    offline = None if has_chat(target.resident.telegram_id) else await uow.behalf.offline(target.resident.telegram_id)
    return await file_request(
        uow, target.resident, with_contact(data, offline), now, tz, top_k, filed_by=target.filer_id,
        proxy_id=target.proxy_id,
    )  # fmt: skip


async def listeners(uow: UnitOfWork, request: RequestRecord) -> list[Listener]:
    """Who hears a request's news. The resident in their own chat; without a chat, the one who answers for them;
    and whoever filed it for them (without the rating ask, which goes to one person only)."""
    filing = await uow.behalf.filing(request.id)
    resident = request.resident_id
    if filing.filed_by is None and filing.proxy_id is None:
        return [Listener(resident, "resident", True)]
    found = []
    if has_chat(resident):
        found.append(Listener(resident, "resident", True))
    proxies = await answerers(uow, request)  # the proxy while still allowed, else the community's staff
    found += [Listener(chat_id, "proxy", True) for chat_id in proxies]
    filer = filing.filed_by
    if filer is not None and filer != resident and filer not in proxies and await still_acts(uow, filer, resident):
        found.append(Listener(filer, "filer", False))
    return found


async def answers_for(uow: UnitOfWork, request: RequestRecord, person_id: int) -> bool:
    """Whether this person rates (or reopens) the request: its resident, or the proxy of a resident without chat."""
    if request.resident_id == person_id:
        return has_chat(person_id)
    return person_id in await answerers(uow, request)


async def resident_name(uow: UnitOfWork, resident_id: int, viewer_id: int) -> str | None:
    """How the viewer calls the resident: the family label, or the name a worker recorded."""
    if not has_chat(resident_id):
        offline = await uow.behalf.offline(resident_id)
        if offline is not None:
            return offline.name
    link = await uow.behalf.active_link(resident_id, viewer_id)
    return link.resident_label if link is not None else None


async def filer_role(uow: UnitOfWork, filer_id: int, resident_id: int) -> tuple[str, str | None]:
    """How the resident is told who filed for them: (FAMILY, the member's own label) or (role, None)."""
    link = await uow.behalf.active_link(resident_id, filer_id)
    filer = await uow.users.get(filer_id)
    if link is not None:
        # Linked with the resident's code: a grid worker or staff member of their community is named as such.
        work = await worker_community(uow, filer)
        resident = await uow.users.get(resident_id)
        if work is not None and resident is not None and work[1] == resident.community_id:
            return work[0], link.member_label
        return FAMILY, link.member_label
    role = GRID_WORKER if filer is not None and GRID_WORKER in filer.roles else STAFF
    return role, None
