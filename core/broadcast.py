"""Announcements by community staff: who receives them and queuing them, all in one transaction.

Staff may announce only to their own community. Residents who muted announcements and people who blocked
the bot are left out. Each copy is an outbox row, so the sender's rate limits apply and a restart resumes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.protocols import UnitOfWork

AUDIENCES = ("residents", "providers", "both")
MAX_TEXT = 2000
# Telegram's limit for a photo's caption, leaving room for the community's header and the /mute line.
MAX_CAPTION = 900
STAFF = "staff"


class NotAllowed(PermissionError):
    pass


async def staff_community(uow: UnitOfWork, telegram_id: int) -> int:
    community_id = await uow.users.role_community(telegram_id, STAFF)
    if community_id is None:
        raise NotAllowed("only community staff can announce")
    return community_id


async def audience_sizes(uow: UnitOfWork, community_id: int) -> dict[str, int]:
    # "both" is the union of the other two (a resident who is also a provider counts once): two queries, not three.
    residents = {chat_id for chat_id, _ in await uow.broadcasts.recipients(community_id, "residents")}
    providers = {chat_id for chat_id, _ in await uow.broadcasts.recipients(community_id, "providers")}
    return {"residents": len(residents), "providers": len(providers), "both": len(residents | providers)}


@dataclass(frozen=True)
class Queued:
    broadcast_id: int
    total: int


async def announce(
    uow: UnitOfWork, staff_id: int, text: str, audience: str, render: Callable[[str], str], now: datetime,
    markup: Callable[[str], Mapping[str, Any] | None] = lambda locale: None, photo: str | None = None,
    building: str | None = None,
) -> Queued:  # fmt: skip
    """Queue one copy per recipient; `render(locale)` gives the text in that person's language and
    `markup(locale)` its buttons, if any (a vote's 去投票)."""
    if audience not in AUDIENCES:
        raise ValueError(audience)
    community_id = await staff_community(uow, staff_id)
    if building is not None and audience != "residents":
        raise ValueError("a building narrows the residents only")
    recipients = await uow.broadcasts.recipients(community_id, audience, building)
    if photo is not None and len(text) > MAX_CAPTION:
        raise ValueError("a caption is at most MAX_CAPTION characters")
    broadcast_id = await uow.broadcasts.create(community_id, staff_id, text, audience, len(recipients), now, photo,
                                               building)  # fmt: skip
    by_locale: dict[str, list[int]] = {}
    for chat_id, locale in recipients:
        by_locale.setdefault(locale, []).append(chat_id)
    for locale, chat_ids in by_locale.items():
        await uow.broadcasts.queue(broadcast_id, chat_ids, render(locale), now, markup(locale), photo)
    return Queued(broadcast_id, len(recipients))
