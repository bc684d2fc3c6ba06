"""Shows staff how an announcement is going: every couple of seconds, one count per broadcast still being
sent, and an edit of the staff's confirmation message when the count moved (已发送 1,234 / 5,000), then the
delivery report once nothing is pending. All from the outbox, so it survives restarts."""

from __future__ import annotations

import contextlib

from telegram import Bot
from telegram.error import TelegramError

from bot.periodic import Periodic
from handlers.context import Services
from storage.db import Database


class BroadcastProgress(Periodic):
    name = "sanshe-broadcast-progress"

    def __init__(self, db: Database, services: Services, bot: Bot, interval: float = 2.0) -> None:
        self._db, self._services, self._bot, self.interval = db, services, bot, interval

    async def tick(self) -> None:
        edits: list[tuple[int, int, str]] = []
        async with self._db.transaction() as tx:
            for item in await tx.broadcasts.sending():
                counts = await tx.broadcasts.counts(item.id)
                handled = counts.sent + counts.failed + counts.blocked
                done = counts.pending == 0
                if handled == item.reported and not done:
                    continue
                await tx.broadcasts.reported(item.id, handled, done)
                if item.progress_message_id is None:
                    continue
                author = await tx.users.get(item.created_by)
                t = self._services.i18n.translator(author.locale if author else None)
                text = (
                    t("announce.report", sent=t.number(counts.sent), total=t.number(item.total),
                      failed=t.number(counts.failed), blocked=t.number(counts.blocked))
                    if done else t("announce.progress", sent=t.number(counts.sent), total=t.number(item.total))
                )  # fmt: skip
                edits.append((item.created_by, item.progress_message_id, text))
        for chat_id, message_id, text in edits:
            with contextlib.suppress(TelegramError):
                await self._bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
