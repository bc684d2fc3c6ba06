"""One matcher per process, rebuilt only when the catalogue's version counter moved.

Reading the counter costs one indexed row per need, so several bot processes stay current without
talking to each other.
"""

from __future__ import annotations

import asyncio

from core.catalog_sync import load_entries
from core.matching import Matcher
from storage.protocols import UnitOfWork


class MatcherCache:
    def __init__(self) -> None:
        self._version = -1
        self._matcher: Matcher | None = None

    async def get(self, uow: UnitOfWork) -> Matcher:
        version = await uow.catalog.version()
        if self._matcher is None or version != self._version:
            entries = await load_entries(uow, include_inactive=False)
            # Building 10k services takes a second or two: keep it off the event loop.
            self._matcher = await asyncio.to_thread(Matcher.build, entries)
            self._version = version
        return self._matcher
