"""A person's rights over their data (China's PIPL): to see everything kept about them and to take a copy
(access, art. 45), and to withdraw consent, after which it is gone (art. 15 and 47). No Telegram here.

Withdrawal, in the caller's one transaction:
- their open requests are cancelled (so no provider sets off and no timer acts on them); whoever was working
  on one, or was shown it, is to be told with the reference number alone;
- everything they wrote is erased: need, wanted time, address, location, phone, note, rating comment, photos
  and voice notes, the free-text notes providers and staff wrote about their requests, their votes, their
  dialog's typed answers, messages to them and messages to others about their requests;
- their family links and link codes go, and a filer's unfinished request for them (代办, core.family);
- the requests stay as anonymous counts (community, service, dates, status, rating number) under row 0, so
  the needs book and the statistics still count them but nothing leads back to the person;
- what is left of the person is what we keep before consent: the Telegram id (to talk), the language and
  when they said no (so we do not ask again and again).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import family, onboarding
from core.dispatch import NEXT_ROUND_NOTE, NO_PROVIDER_NOTE
from core.filing import UNMATCHED_NOTE
from core.requests import CANCELLABLE, STAFF_QUEUE, Status, move
from core.tasks import GAVE_UP_NOTE_PREFIX
from storage.protocols import PersonalData, UnitOfWork
from storage.records import User

WITHDRAWN_NOTE = "consent_withdrawn"
# What a withdrawn request's need reads from then on (the needs book prints it).
NEED_ERASED = "［求助人已撤回同意，内容已删除］"
# History notes that are codes written by the program, not words about a person; they stay. The reason given
# with 无法完成 follows its prefix and goes. (not_solved and supervisor_*: handlers/my_requests, handlers/provider.)
_CODES = frozenset(
    {UNMATCHED_NOTE, NO_PROVIDER_NOTE, NEXT_ROUND_NOTE, "not_solved", "supervisor_confirmed", "supervisor_flagged",
     WITHDRAWN_NOTE}
)  # fmt: skip
OPEN = frozenset(s.value for s in CANCELLABLE)


def mask_note(note: str) -> str | None:
    """What of a history note survives an erasure: a program's code, or nothing."""
    if note in _CODES:
        return note
    if note.startswith(GAVE_UP_NOTE_PREFIX):
        return GAVE_UP_NOTE_PREFIX
    return None


@dataclass(frozen=True)
class Cancelled:
    reference: str
    tell: tuple[int, ...]  # providers who had it or were shown it, staff who had it in their queue


@dataclass(frozen=True)
class Withdrawal:
    user: User
    cancelled: list[Cancelled]
    requests: int  # requests erased (open or not)
    rewrite: tuple[tuple[int, int, str], ...]  # messages in others' chats naming a request: blank them


async def withdraw(uow: UnitOfWork, user: User, now: datetime, actor_id: int | None = None) -> Withdrawal:
    """`actor_id`: who does it when it is not the person themself (staff deleting a resident without chat, 代办);
    history then records them, for the person."""
    actor = user.telegram_id if actor_id is None else actor_id
    for_whom = None if actor == user.telegram_id else user.telegram_id
    cancelled = []
    for request in await uow.privacy.own_requests(user.telegram_id):
        status = Status(request.status)
        if status not in CANCELLABLE:
            continue
        tell: set[int] = set() if request.provider_id is None else {request.provider_id}
        for offer in await uow.providers.close_open_offers(request.id, "withdrawn", now):
            # A push still waiting in the outbox is deleted below and never arrives: nothing to take back.
            if offer.outbox_id is not None and await uow.providers.outbox_message_id(offer.outbox_id) is not None:
                tell.add(offer.provider_id)
        if status in STAFF_QUEUE:
            tell.update(await uow.users.with_role("staff", request.community_id))
        await move(uow, request, Status.CANCELLED, now, actor, WITHDRAWN_NOTE, for_whom)
        tell.difference_update({user.telegram_id, actor})
        cancelled.append(Cancelled(request.reference, tuple(sorted(tell))))
    await family.forget(uow, user.telegram_id, now)  # family links, codes, a filer's draft for them (代办)
    erased = await uow.privacy.erase(user.telegram_id, now, NEED_ERASED, mask_note)
    user = await onboarding.decline_consent(uow, user, now)
    return Withdrawal(user, cancelled, erased.requests, erased.rewrite)


@dataclass(frozen=True)
class Holdings:
    """What /privacy counts, by kind, from the same data the export writes out."""

    requests: int
    open_requests: int
    phones: int
    places: int  # an address or a location
    notes: int  # the resident's own notes and wanted times
    attachments: int
    ratings: int
    rating_comments: int
    remarks: int  # words that providers and staff wrote about their requests
    votes: int
    draft: bool  # typed answers of a request not yet filed
    messages_to_you: int
    messages_about_you: int


def holdings(data: PersonalData) -> Holdings:
    requests = data.requests
    answers = data.dialog.get("answers") if data.dialog else None
    return Holdings(
        requests=len(requests),
        open_requests=sum(1 for r in requests if r["status"] in OPEN),
        phones=sum(1 for r in requests if r["phone"]),
        places=sum(1 for r in requests if r["address"] or r["latitude"] is not None),
        notes=sum(1 for r in requests if r["note"] or r["when_text"]),
        attachments=sum(len(r["attachments"]) for r in requests),
        ratings=sum(1 for r in requests if r["rating"] is not None),
        rating_comments=sum(1 for r in requests if r["rating_comment"]),
        remarks=sum(1 for r in requests for h in r["history"] if h["note"] and mask_note(h["note"]) != h["note"]),
        votes=len(data.votes),
        draft=bool(answers and any(key in answers for key in ("need", "attachments"))),
        messages_to_you=len(data.messages_to_you),
        messages_about_you=len(data.messages_about_you),
    )


async def personal_data(uow: UnitOfWork, user: User) -> PersonalData:
    return await uow.privacy.personal_data(user.telegram_id)


def export_document(data: PersonalData, about: str, now: datetime) -> bytes:
    """The copy a person asks for: UTF-8 JSON with readable keys, Chinese kept as Chinese."""
    document: dict[str, Any] = {
        "about": about,
        "exported_at": now.isoformat(timespec="seconds"),
        "telegram_id": data.telegram_id,
        "profile": dict(data.profile),
        "requests": [dict(r) for r in data.requests],
        "votes": [dict(v) for v in data.votes],
        "unfinished_dialog": dict(data.dialog) if data.dialog else None,
        "messages_to_you": [dict(m) for m in data.messages_to_you],
        "messages_about_your_requests": [dict(m) for m in data.messages_about_you],
        "family_links": [dict(link) for link in data.family_links],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
