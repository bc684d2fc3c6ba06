"""Sending to WeChat people: their 48-hour window, its quota, and messages held until they write again.

WeChat lets an account write to a person only within 48 hours after that person's last message (微信客服: at
most 5 messages in that time; a 服务号: 20, after any interaction), through the door they came in by
(channels/wechat/doors.py). The window is tracked per person in the database (wechat_people), so every worker
sees the same count; a message that does not fit is held (wechat_held) and goes back to the outbox in the same
transaction as the person's next message, so nothing is lost and nothing is sent out of turn. A 服务号 also sends
one template notice per closed window, so that the person knows something waits. WeChat's own answer is trusted
over our count: 45015 / 45047 hold the message too.

A 服务号 person's first message of a turn may go as the passive reply inside the HTTP answer to their callback
(channels/wechat/passive.py), which costs nothing from the quota.

WeChat has no edits: an edit arrives as a new message, and the old message's choices stop working. The quota is
no worry for that: each message of the person opens a new window, and a turn sends two or three.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.i18n import I18n, Translator
from channels.wechat.arrival import person_lock
from channels.wechat.doors import Door
from channels.wechat.errors import WeChatError
from channels.wechat.outcomes import PersonGone, Refused, SendLater
from channels.wechat.render import choices_of, passive_text
from channels.wechat.xml import text_reply
from storage.db import Database
from storage.records import WeChatPerson

log = logging.getLogger(__name__)
WINDOW = timedelta(hours=48)
NOTICE_PREVIEW_CHARS = 60
GONE_CODES = frozenset({43004})  # 服务号: they no longer follow the account
MAX_RETRYING = 10_000


def _body(text: str, markup: Mapping[str, Any] | None) -> dict[str, Any]:
    """A held message: the words and choices as the turn gave them (rendered when it goes)."""
    return {"text": text, "markup": dict(markup) if markup else None}


def _retry_key(person_id: int, text: str, markup: Mapping[str, Any] | None) -> tuple[int, str]:
    return person_id, json.dumps([text, markup], ensure_ascii=False, sort_keys=True)


class WeChatOutlet:
    def __init__(self, db: Database, doors: Mapping[str, Door], i18n: I18n, clock: Callable[[], datetime],
                 *, window: timedelta = WINDOW) -> None:  # fmt: skip
        self._db, self._doors, self._i18n, self._clock = db, doors, i18n, clock
        self._window = window
        # A send that ended in "try later" keeps its id for the next try of the same message, so that WeChat,
        # which got it after all if only its answer was lost, recognises the client msgid and does not deliver
        # it twice. In memory: after a restart the next try has a new id (the outbox's at-least-once gap).
        self._retrying: OrderedDict[tuple[int, str], int] = OrderedDict()

    async def send(self, person_id: int, text: str, markup: Mapping[str, Any] | None) -> int:
        """Send (or hold) a message; the id the dialog will know it by."""
        choices = choices_of(markup)
        now = self._clock()
        async with self._db.transaction() as tx:
            # One at a time with their next message (arrival.window_opens): a message held just as they write
            # would otherwise wait for the message after.
            await tx.locks.one_at_a_time(person_lock(person_id))
            person = await tx.wechat.person(person_id)
            if person is None:
                raise PersonGone(str(person_id))
            door = self._doors.get(person.account)
            if door is None:
                raise Refused(f"no WeChat account {person.account} is configured")
            user = await tx.users.get(person_id)
            t = self._i18n.translator(user.locale if user else None, "wechat")
            slot = door.slots.get(person_id) if door.slots is not None else None
            open_ = self._has_room(person, door, now)
            welcome = None
            if slot is not None:
                pass  # the passive reply: no quota
            elif not open_ and person.welcome_code and person.welcome_until and now < person.welcome_until:
                welcome = person.welcome_code  # they opened the chat and have not written: one message may answer
                await tx.wechat.welcome(person_id, None, None)
            elif not open_:
                message_id = await tx.wechat.record_message(person_id, None, now)
                await tx.wechat.hold(person_id, _body(text, markup), now, message_id)
                notify = person.notified_at is None
                if notify:
                    await tx.wechat.mark_notified(person_id, now)
            else:
                await tx.wechat.count_send(person_id)
            again = self._retrying.pop(_retry_key(person_id, text, markup), None) if open_ else None
            if again is not None:
                message_id = again
            elif open_ or welcome is not None or slot is not None:
                message_id = await tx.wechat.record_message(person_id, choices, now)
        if not open_ and welcome is None and slot is None:
            if notify:
                await self._notice(door, person, text, t)
            return message_id
        hint = t("wechat.choose_hint")
        if slot is not None:
            reply = text_reply(person.external_id, slot.account_id, int(now.timestamp()),
                               passive_text(text, choices, message_id, hint))  # fmt: skip
            if await slot.offer(reply):
                return message_id
            async with self._db.transaction() as tx:  # the answer left without it: a customer-service message
                await tx.wechat.count_send(person_id)
        body = door.body(text, choices, message_id, hint)
        try:
            if welcome is not None:
                await door.welcome(welcome, body, f"sanshe{message_id}")
            else:
                await door.send(person, body, f"sanshe{message_id}")
        except WeChatError as exc:
            if exc.kind in ("retry", "token") and welcome is None:
                self._retrying[_retry_key(person_id, text, markup)] = message_id
                while len(self._retrying) > MAX_RETRYING:
                    self._retrying.popitem(last=False)
            await self._failed(person, door, text, markup, exc, counted=welcome is None)
        return message_id

    def _has_room(self, person: WeChatPerson, door: Door, now: datetime) -> bool:
        """Their window is open (they wrote within it) and its quota not used up."""
        if person.last_inbound_at is None or now - person.last_inbound_at >= self._window:
            return False
        return person.window_sends < door.quota

    async def _notice(self, door: Door, person: WeChatPerson, text: str, t: Translator) -> None:
        preview = text if len(text) <= NOTICE_PREVIEW_CHARS else text[: NOTICE_PREVIEW_CHARS - 1] + "…"
        try:
            await door.notice(person, t("wechat.notice_first", preview=preview), t("wechat.notice_remark"))
        except WeChatError as exc:  # the message itself is held anyway
            log.warning("wechat: notice to person %s failed (%s)", person.person_id, exc.errcode)

    async def _failed(self, person: WeChatPerson, door: Door, text: str, markup: Mapping[str, Any] | None,
                      exc: WeChatError, *, counted: bool) -> None:  # fmt: skip
        now, person_id = self._clock(), person.person_id
        # WeChat knows better than our count (or the welcome code was used up): the message waits for them.
        held = exc.kind in ("window_closed", "quota") or (not counted and exc.kind == "refused")
        notify, locale = False, None
        async with self._db.transaction() as tx:
            await tx.locks.one_at_a_time(person_lock(person_id))
            stored = await tx.wechat.person(person_id)
            if held and stored is not None and stored.last_inbound_at != person.last_inbound_at:
                # They wrote while this was on its way: a new window; the message goes again, behind their turn.
                await tx.outbox.enqueue(person_id, text, dict(markup) if markup else None, now)
                return
            if held:
                log.info("wechat: person %s cannot be written to now (%s); message held", person_id, exc.errcode)
                if counted:
                    await tx.wechat.count_send(person_id, door.quota)
                await tx.wechat.hold(person_id, _body(text, markup), now)
                notify = stored is not None and stored.notified_at is None
                if notify:
                    await tx.wechat.mark_notified(person_id, now)
                    user = await tx.users.get(person_id)
                    locale = user.locale if user else None
            elif counted:
                await tx.wechat.count_send(person_id, -1)  # it did not go
        if held:
            if notify:
                await self._notice(door, person, text, self._i18n.translator(locale, "wechat"))
            return
        if exc.kind in ("retry", "token"):
            raise SendLater(exc.retry_after or 5.0, f"{exc.errcode} {exc.errmsg}") from exc
        if exc.errcode in GONE_CODES:  # as a Telegram user who blocked the bot: their other messages stop too
            raise PersonGone(f"{exc.errcode} {exc.errmsg}") from exc
        raise Refused(f"{exc.errcode} {exc.errmsg}") from exc

    async def send_file(self, person_id: int, content: bytes, filename: str, caption: str, *, image: bool) -> int:
        """A picture (a chart) or a file (their data export): the words first, like any message, then the file
        itself, uploaded to WeChat, when the door carries it and the window has room (a person who asked for it
        has just written); otherwise the words say what it is and the file is not kept."""
        message_id = await self.send(person_id, caption, None)
        kind = "image" if image else "file"
        now = self._clock()
        async with self._db.transaction() as tx:
            await tx.locks.one_at_a_time(person_lock(person_id))
            person = await tx.wechat.person(person_id)
            door = self._doors.get(person.account) if person is not None else None
            if person is None or door is None or kind not in door.media_kinds or not self._has_room(person, door, now):
                return message_id
            await tx.wechat.count_send(person_id)
            file_id = await tx.wechat.record_message(person_id, None, now)
        try:
            media_id = await door.upload(kind, filename, content)
            await door.send(person, {"msgtype": kind, kind: {"media_id": media_id}}, f"sanshe{file_id}")
        except WeChatError as exc:
            async with self._db.transaction() as tx:
                await tx.wechat.count_send(person_id, -1)
            if exc.kind in ("retry", "token"):
                raise SendLater(exc.retry_after or 5.0, f"{exc.errcode} {exc.errmsg}") from exc
            log.warning("wechat: a %s for person %s was refused (%s)", kind, person_id, exc.errcode)
        return message_id

    async def edit(self, person_id: int, message_id: int, text: str, markup: Mapping[str, Any] | None) -> int:
        """WeChat cannot change a message: the new words arrive as a new message (an answer to a choice, a
        withdrawal confirmed: never lost), and the old message's choices stop working."""
        async with self._db.transaction() as tx:
            await tx.locks.one_at_a_time(person_lock(person_id))
            if await tx.wechat.person(person_id) is None:
                raise PersonGone(str(person_id))
            if await tx.wechat.replace_held(person_id, message_id, _body(text, markup)):
                return message_id  # not seen yet: it will go out as it is now, once
            await tx.wechat.set_choices(person_id, message_id, [])
        return await self.send(person_id, text, markup)
