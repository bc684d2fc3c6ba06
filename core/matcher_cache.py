"""One matcher per process, rebuilt when the catalogue's version counter moved, off the turns.

Reading the counter costs one indexed row per need, so several bot processes stay current without
talking to each other.

Building the matcher for a city's catalogue takes seconds (30k services: ~6 s). Only the very first build
happens inside a turn. After a catalogue change, the turn that notices it reads the catalogue (inside its own
transaction, which it holds anyway) and starts the build in a worker thread; it waits for the new matcher at
most `fresh_wait` seconds and otherwise answers with the previous one. Turns that come while the build runs
use the previous matcher without waiting, and the new one is swapped in when it is ready. So a big import
costs every chat nothing, and a small catalogue (built in well under `fresh_wait`) is current at once.
"""

from __future__ import annotations

import asyncio
import logging

from core.catalog import ServiceEntry
from core.catalog_sync import load_entries
from core.matching import Matcher
from storage.protocols import UnitOfWork

log = logging.getLogger(__name__)
FRESH_WAIT_S = 0.5


class MatcherCache:
    def __init__(self, fresh_wait: float = FRESH_WAIT_S) -> None:
        self._fresh_wait = fresh_wait
        self._version = -1
        self._matcher: Matcher | None = None
        self._building: asyncio.Task[None] | None = None
        self._building_version = -1
        self._first = asyncio.Lock()

    async def get(self, uow: UnitOfWork) -> Matcher:
        version = await uow.catalog.version()
        if self._matcher is not None and version == self._version:
            return self._matcher
        if self._matcher is None:
            return await self._first_build(uow, version)
        if self._building is None or self._building.done() or self._building_version < version:
            entries = await load_entries(uow, include_inactive=False)
            self._building_version = version
            self._building = asyncio.create_task(self._build(entries, version), name="sanshe-matcher-build")
            await asyncio.wait([self._building], timeout=self._fresh_wait)
        return self._matcher

    async def _first_build(self, uow: UnitOfWork, version: int) -> Matcher:
        async with self._first:  # two turns arriving together at start-up build once
            if self._matcher is None:
                entries = await load_entries(uow, include_inactive=False)
                # Building 10k services takes a second or two: keep it off the event loop.
                self._install(await asyncio.to_thread(Matcher.build, entries), version)
        assert self._matcher is not None
        return self._matcher

    async def _build(self, entries: list[ServiceEntry], version: int) -> None:
        try:
            matcher = await asyncio.to_thread(Matcher.build, entries)
        except Exception:  # the previous matcher stays; the next turn tries again
            log.exception("could not build the matcher for catalogue version %d", version)
            return
        self._install(matcher, version)

    def _install(self, matcher: Matcher, version: int) -> None:
        if version >= self._version:  # a slower build of an older version never replaces a newer one
            self._matcher, self._version = matcher, version
