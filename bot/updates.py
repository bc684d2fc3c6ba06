"""Received updates: kept in the database first, then processed concurrently, in order within each chat.

Long polling and the webhook both hand their updates to `UpdateRunner.receive`, which writes them to the
`update_queue` table in one transaction before it returns; only then is Telegram told they arrived (the next
getUpdates offset, or the webhook's HTTP 200). A crash afterwards loses nothing: at the next start the stored
updates are processed first (`recover`), and `processed_updates`, written in each turn's own transaction,
makes a second run of an update harmless.

Turns of different chats run at the same time (bounded by `limit`), so a turn waiting for Telegram or for the
database does not hold up everyone else. Turns of one chat run strictly one after the other in update order:
each waits for the previous one of its chat to finish. A processed update is dropped from the table in batches.

Several webhook workers (`shared=True`) each store what they receive, held under a lease they renew while
they live, and each adopts the updates of a worker whose lease ran out (it died), so those are processed too.
A turn waits while an earlier update of its chat, received by another worker, is unprocessed (handlers.turn
checks this inside its own transaction).
`processed_updates`, in each turn's transaction, keeps any update from being acted on twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from telegram import Update

from storage.db import Database
from storage.protocols import UnitOfWork
from storage.records import QueuedUpdate

log = logging.getLogger(__name__)
DROP_EVERY_S = 0.5
RECOVER_BATCH = 500


def chat_key(update: Update) -> int:
    """Whose turns must stay in order: the chat, else the person (inline queries), else one global line."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


def queued(update: Update) -> QueuedUpdate:
    return QueuedUpdate(update.update_id, chat_key(update), json.dumps(update.to_dict(), ensure_ascii=False))


class UpdateRunner:
    def __init__(
        self,
        db: Database,
        process: Callable[[Update], Awaitable[None]],
        parse: Callable[[str], Update],
        clock: Callable[[], datetime],
        *,
        owner: str,
        lease: timedelta,
        limit: int = 64,
        shared: bool = False,
    ) -> None:
        self._db = db
        self._process = process
        self._parse = parse
        self._clock = clock
        self._owner = owner
        self._lease = lease
        self._shared = shared
        self._slots = asyncio.Semaphore(limit)
        self._limit = limit
        self._last_of_chat: dict[int, tuple[int, asyncio.Task[None]]] = {}  # chat → its newest update here
        self._running: set[asyncio.Task[None]] = set()
        self._known: set[int] = set()  # in this process's hands (stored and not yet dropped)
        self._finished: list[int] = []
        self._dropper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Process what a previous run stored and did not finish, before anything new arrives."""
        self._dropper = asyncio.create_task(self._look_after_forever(), name="sanshe-update-upkeep")
        # The only consumer (long polling) takes every stored update at once; a webhook worker only those whose
        # holder's lease ran out, since the others belong to live workers.
        await self.recover(also_held=not self._shared)

    async def recover(self, *, also_held: bool = False) -> None:
        while True:
            now = self._clock()
            async with self._db.transaction() as tx:
                rows = await tx.update_queue.adopt(
                    now, self._owner, now + self._lease, RECOVER_BATCH, also_held=also_held
                )
            fresh = [row for row in rows if row.update_id not in self._known]
            if not fresh:
                return
            log.info("processing %d updates stored before a restart", len(fresh))
            for row in fresh:
                self._schedule(row)
            if len(rows) < RECOVER_BATCH:
                return
            await self._wait_below(self._limit)

    async def receive(self, updates: Sequence[Update]) -> None:
        """Store the updates (after this returns, Telegram may be told they arrived), then start them."""
        async with self._db.transaction() as tx:
            kept = await self.keep(tx, updates)
        self.start_kept(kept)

    async def keep(self, tx: UnitOfWork, updates: Sequence[Update]) -> list[tuple[QueuedUpdate, Update]]:
        """Store updates in the caller's transaction (a channel that records more with them); once it has
        committed, `start_kept` starts them."""
        new = [(queued(u), u) for u in updates if u.update_id not in self._known]
        if new:
            now = self._clock()
            await tx.update_queue.keep([row for row, _ in new], now, self._owner, now + self._lease)
        return new

    def start_kept(self, kept: Sequence[tuple[QueuedUpdate, Update]]) -> list[asyncio.Task[None]]:
        """Start them; their tasks (a channel that answers within the HTTP request waits for its turn)."""
        return [self._schedule(row, update) for row, update in kept]

    async def wait_for_room(self, most: int) -> None:
        """Back-pressure for the caller: wait while more than `most` turns are waiting or running."""
        await self._wait_below(most)

    async def stop(self) -> None:
        """Let every stored-and-started turn finish, then drop them from the table."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)
        if self._dropper is not None:
            self._dropper.cancel()
            await asyncio.gather(self._dropper, return_exceptions=True)
            self._dropper = None
        await self._drop_finished()

    def _schedule(self, row: QueuedUpdate, update: Update | None = None) -> asyncio.Task[None]:
        self._known.add(row.update_id)
        last = self._last_of_chat.get(row.chat_key)
        # An update adopted from a dead worker can be older than one this process already runs for the chat (which
        # waits for it in its turn): it must not queue behind that one.
        previous = last[1] if last is not None and last[0] < row.update_id else None
        task = asyncio.create_task(self._run(row, update, previous), name=f"sanshe-update-{row.update_id}")
        if last is None or last[0] < row.update_id:
            self._last_of_chat[row.chat_key] = (row.update_id, task)
        self._running.add(task)
        task.add_done_callback(lambda done, key=row.chat_key: self._forget(key, done))
        return task

    async def _run(self, row: QueuedUpdate, update: Update | None, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])  # its outcome is its own; only its end matters here
        async with self._slots:
            try:
                await self._process(update if update is not None else self._parse(row.payload))
            except Exception:  # the turn logs and answers its own errors; this is the last guard
                log.exception("update %s could not be processed", row.update_id)
        self._finished.append(row.update_id)

    def _forget(self, key: int, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        last = self._last_of_chat.get(key)
        if last is not None and last[1] is task:
            del self._last_of_chat[key]

    async def _wait_below(self, most: int) -> None:
        while len(self._running) > most:
            await asyncio.wait(list(self._running), return_when=asyncio.FIRST_COMPLETED)

    async def _look_after_forever(self) -> None:
        renewed = self._clock()
        while True:
            await asyncio.sleep(DROP_EVERY_S)
            try:
                await self._drop_finished()
                now = self._clock()
                if now - renewed >= self._lease / 3:
                    async with self._db.transaction() as tx:
                        await tx.update_queue.renew(self._owner, now + self._lease)
                    renewed = now
                    if self._shared:
                        await self.recover()
            except Exception:  # tried again at the next round; meanwhile nothing is lost, only kept longer
                log.exception("could not look after the stored updates")

    async def _drop_finished(self) -> None:
        done, self._finished = self._finished, []
        if not done:
            return
        try:
            async with self._db.transaction() as tx:
                await tx.update_queue.drop(done)
        except BaseException:
            self._finished.extend(done)
            raise
        self._known.difference_update(done)
