"""What every WeChat message does on arrival, whichever door it came in by (微信客服 or 服务号), inside the
transaction that stores it: the person's window opens again and what was held for them goes to the outbox;
their words are matched against the choices they were offered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from channels.wechat.inbound import Offered, Picked, resolve, text_update
from storage.protocols import UnitOfWork


def person_lock(person_id: int) -> str:
    return f"wechat person {person_id}"


async def window_opens(tx: UnitOfWork, person_id: int, now: datetime) -> None:
    await tx.locks.one_at_a_time(person_lock(person_id))  # see WeChatOutlet.send
    await tx.wechat.wrote(person_id, now)
    for held in await tx.wechat.take_held(person_id):
        await tx.outbox.enqueue(person_id, held["text"], held["markup"], now)


async def picked(tx: UnitOfWork, person_id: int, text: str, menu_id: str | None) -> Picked | None:
    """The choice their words pick, if any (a tapped item names its message: `menu_id`)."""
    return resolve(text, menu_id, await _offered(tx, person_id, None), await _offered(tx, person_id, menu_id))


async def _offered(tx: UnitOfWork, person_id: int, menu_id: str | None) -> Offered | None:
    if menu_id is None:
        latest = await tx.wechat.latest_choices(person_id)
        if latest is None:
            return None
        message_id, choices = latest
        # A menu's words (a reply keyboard) stay until another replaces them, as on Telegram; a message's buttons
        # answer typed numbers only while it is the newest: after other words, "2" is just "2".
        pressable = any("text" not in choice for choice in choices)
        if pressable and message_id != await tx.wechat.newest_message_id(person_id):
            return None
        return Offered(message_id, choices)
    head = menu_id.partition(".")[0]
    if not (head.isascii() and head.isdigit() and len(head) <= 18):
        return None
    choices = await tx.wechat.choices_of(person_id, int(head))
    return Offered(int(head), choices) if choices else None


async def opening(tx: UnitOfWork, person_id: int, update: dict[str, Any]) -> dict[str, Any]:
    """The update as the dialog should read it: when nobody by this id has started yet and it is not /start
    already, whatever they wrote first opens the dialog as Telegram's /start does (their words are not kept:
    consent comes before data)."""
    message = update.get("message")
    if message is None or str(message.get("text", "")).startswith("/start"):
        return update
    if await tx.users.get(person_id) is not None:
        return update
    return text_update(update["update_id"], person_id, message["date"], "/start", message["from"]["first_name"])
