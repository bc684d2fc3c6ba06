"""A background task that calls `tick()` every few seconds until stopped; one failed tick is logged, not fatal."""

from __future__ import annotations

import asyncio
import contextlib
import logging

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
