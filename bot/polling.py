"""Long polling that confirms an update to Telegram only after it is stored.

python-telegram-bot's Updater asks for the next batch (which confirms the previous one: Telegram forgets
every update below the offset it is given) before the batch is safe anywhere, so a crash in between loses
those updates for good. Here the offset moves past a batch only once `UpdateRunner.receive` has written it to
the database; the runner processes it from there (concurrently across chats, in order within a chat) and
processes it again after a crash. A crash before the write leaves the batch unconfirmed, Telegram delivers it
again, and `processed_updates` makes any second delivery harmless.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot import failpoints
from bot.outbox.attempt import retry_after_seconds
from bot.updates import UpdateRunner

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 30.0


class Polling:
    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        runner: UpdateRunner,
        *,
        timeout: int = 10,
        max_backlog: int = 500,
        allowed_updates: Sequence[str] | None = Update.ALL_TYPES,
    ) -> None:
        self._app = app
        self._runner = runner
        self._max_backlog = max_backlog
        self._timeout = timeout
        self._allowed = list(allowed_updates) if allowed_updates is not None else None
        self._offset: int | None = None
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._fetch: asyncio.Task[tuple[Update, ...]] | None = None

    async def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("polling already started")
        # A webhook left from another deployment would make getUpdates fail with a conflict.
        await self._app.bot.delete_webhook(drop_pending_updates=False)
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="sanshe-polling")

    async def stop(self) -> None:
        """Stop asking (the caller then lets the runner finish what it holds); confirm what was stored."""
        self._stopping = True
        if self._fetch is not None and not self._fetch.done():
            self._fetch.cancel()
        task, self._task = self._task, None
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
        if self._offset is not None:
            try:  # spares the next start a batch of already-processed updates; harmless if it fails
                await self._app.bot.get_updates(offset=self._offset, timeout=0, limit=1)
            except TelegramError as exc:
                log.info("could not confirm the last updates on stop: %s", exc)

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                updates = await self._next_batch()
            except asyncio.CancelledError:
                if self._stopping:
                    return
                raise
            except InvalidToken:
                log.error("Telegram refused the bot token; polling stops")
                return
            except (RetryAfter, Conflict, NetworkError, TelegramError) as exc:
                failures += 1
                wait = retry_after_seconds(exc) if isinstance(exc, RetryAfter) else min(2.0**failures, MAX_BACKOFF_S)
                log.warning("getUpdates failed (%s); trying again in %.0f s", exc, wait)
                await asyncio.sleep(wait)
                continue
            failures = 0
            if not updates:
                continue
            failpoints.reached("update.fetched")
            try:
                # Not cancellable by stop(): a batch half-way into the database is finished, confirmed only after.
                await asyncio.shield(self._runner.receive(updates))
            except Exception:  # not stored, so not confirmed: the same batch is asked for again
                log.exception("could not store %d updates; asking for them again", len(updates))
                await asyncio.sleep(1.0)
                continue
            self._offset = updates[-1].update_id + 1
            # A bot far behind stops asking until it has caught up a little (the batch stays at Telegram).
            await self._runner.wait_for_room(self._max_backlog)

    async def _next_batch(self) -> tuple[Update, ...]:
        self._fetch = asyncio.create_task(
            self._app.bot.get_updates(offset=self._offset, timeout=self._timeout, allowed_updates=self._allowed)
        )
        try:
            return await self._fetch
        finally:
            self._fetch = None
