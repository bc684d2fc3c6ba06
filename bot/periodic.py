"""A background task that calls `tick()` every few seconds until stopped; one failed tick is logged, not fatal.

The Pruner is one: it deletes old sent outbox rows and processed update ids in small batches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the Pruner's annotations: the base class imports nothing of the bot
    from bot.config import Settings
    from storage.db import Database

log = logging.getLogger(__name__)


class Periodic:
    name = "sanshe-periodic"
    interval = 2.0
    _task: asyncio.Task[None] | None = None

    async def tick(self) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # a bad round must not stop the loop for good
                log.exception("%s: tick failed", self.name)
            await asyncio.sleep(self.interval)


WECHAT_INBOUND_KEEP = timedelta(days=7)


@dataclass(frozen=True)
class Pruned:
    outbox: int
    updates: int


async def prune(db: Database, now: datetime, outbox_keep: timedelta, updates_keep: timedelta, batch: int,
                pause: float = 0.0, max_batches: int = 1000) -> Pruned:  # fmt: skip
    """Delete outbox rows done with for `outbox_keep` and update ids older than `updates_keep`, `batch` rows per
    transaction: each holds the write lock for milliseconds, and turns waiting for it get it between batches
    (`pause` seconds apart). At most `max_batches` per table per call: a first run over a year's backlog
    spreads over several ticks instead of occupying one for minutes."""
    totals = {"outbox": 0, "updates": 0, "wechat": 0}
    for name in totals:
        for _ in range(max_batches):
            async with db.transaction() as tx:
                if name == "outbox":
                    done = await tx.outbox.prune_sent(now - outbox_keep, batch)
                elif name == "updates":
                    done = await tx.outbox.prune_updates(now - updates_keep, batch)
                else:  # WeChat's message ids: kept longer than WeChat can hand a message over again (3 days)
                    done = await tx.wechat.prune_inbound(now - max(updates_keep, WECHAT_INBOUND_KEEP), batch)
            totals[name] += done
            if done < batch:
                break
            await asyncio.sleep(pause)
    return Pruned(totals["outbox"], totals["updates"] + totals["wechat"])


class Pruner(Periodic):
    """Keeps the outbox and the processed updates from growing without end while the bot runs."""

    name = "sanshe-pruner"

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime]) -> None:
        self._db, self._clock = db, clock
        self._outbox_keep = timedelta(days=settings.outbox_keep_days)
        self._updates_keep = timedelta(days=settings.processed_updates_keep_days)
        self._batch = settings.prune_batch
        self.interval = settings.prune_interval_seconds

    async def tick(self) -> None:
        pruned = await prune(self._db, self._clock(), self._outbox_keep, self._updates_keep, self._batch, pause=0.01)
        if pruned.outbox or pruned.updates:
            log.info("%s: deleted %d outbox rows, %d update ids", self.name, pruned.outbox, pruned.updates)
