"""Sending to WeChat people: their 48-hour window, its quota, and messages held until they write again.

微信客服 lets a service account write to a person only within 48 hours after that person's last message, and at
most 5 messages in that time. The window is tracked per person in the database (wechat_people), so every worker
sees the same count; a message that does not fit is held (wechat_held) and goes back to the outbox in the same
transaction as the person's next message, so nothing is lost and nothing is sent out of turn. WeChat's own
answer is trusted over our count: 45015 / 45047 hold the message too.

WeChat has no edits: an edit arrives as a new message, and the old message's choices stop working. The quota is
no worry for that: each message of the person opens a new window with 5 sends, and a turn sends two or three.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.i18n import I18n
from channels.wechat.api import WeChatApi
from channels.wechat.errors import WeChatError
from channels.wechat.outcomes import PersonGone, Refused, SendLater
from channels.wechat.render import choices_of, kf_message
from storage.db import Database

log = logging.getLogger(__name__)
WINDOW = timedelta(hours=48)
KF_QUOTA = 5


class WeChatOutlet:
    def __init__(
        self,
        db: Database,
        api: WeChatApi,
        i18n: I18n,
        clock: Callable[[], datetime],
        *,
        window: timedelta = WINDOW,
        quota: int = KF_QUOTA,
    ) -> None:
        self._db, self._api, self._i18n, self._clock = db, api, i18n, clock
        self._window, self._quota = window, quota

    async def send(self, person_id: int, text: str, markup: Mapping[str, Any] | None) -> int:
        """Send (or hold) a message; the id the dialog will know it by."""
        choices = choices_of(markup)
        now = self._clock()
        async with self._db.transaction() as tx:
            person = await tx.wechat.person(person_id)
            if person is None:
                raise PersonGone(str(person_id))
            user = await tx.users.get(person_id)
            open_ = (
                person.last_inbound_at is not None
                and now - person.last_inbound_at < self._window
                and person.window_sends < self._quota
            )
            welcome = None
            if not open_ and person.welcome_code and person.welcome_until and now < person.welcome_until:
                welcome = person.welcome_code  # they opened the chat and have not written: one message may answer
                await tx.wechat.welcome(person_id, None, None)
            elif not open_:
                await tx.wechat.hold(person_id, {"text": text, "markup": dict(markup) if markup else None}, now)
                return await tx.wechat.record_message(person_id, None, now)
            else:
                await tx.wechat.count_send(person_id)
            message_id = await tx.wechat.record_message(person_id, choices, now)
        hint = self._i18n.translator(user.locale if user else None, "wechat")("wechat.choose_hint")
        body = kf_message(text, choices, message_id, hint)
        try:
            if welcome is not None:
                await self._api.kf_send_on_event(welcome, body, f"sanshe{message_id}")
            else:
                await self._api.kf_send(person.external_id, person.account, body, f"sanshe{message_id}")
        except WeChatError as exc:
            await self._failed(person_id, text, markup, exc, counted=welcome is None)
        return message_id

    async def _failed(
        self, person_id: int, text: str, markup: Mapping[str, Any] | None, exc: WeChatError, *, counted: bool
    ) -> None:
        now = self._clock()
        async with self._db.transaction() as tx:
            if exc.kind in ("window_closed", "quota") or (not counted and exc.kind == "refused"):
                # WeChat knows better than our count (or the welcome code was used up): wait for them to write.
                log.info("wechat: person %s cannot be written to now (%s); message held", person_id, exc.errcode)
                if counted:
                    await tx.wechat.count_send(person_id, self._quota)
                await tx.wechat.hold(person_id, {"text": text, "markup": dict(markup) if markup else None}, now)
                return
            if counted:
                await tx.wechat.count_send(person_id, -1)  # it did not go
        if exc.kind in ("retry", "token"):
            raise SendLater(exc.retry_after or 5.0, f"{exc.errcode} {exc.errmsg}") from exc
        raise Refused(f"{exc.errcode} {exc.errmsg}") from exc

    async def edit(self, person_id: int, message_id: int, text: str, markup: Mapping[str, Any] | None) -> int:
        """WeChat cannot change a message: the new words arrive as a new message (an answer to a choice, a
        withdrawal confirmed: never lost), and the old message's choices stop working."""
        async with self._db.transaction() as tx:
            if await tx.wechat.person(person_id) is None:
                raise PersonGone(str(person_id))
            await tx.wechat.set_choices(person_id, message_id, [])
        return await self.send(person_id, text, markup)
