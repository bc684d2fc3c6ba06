"""The access_token, kept in the database and refreshed once for all workers.

WeChat limits gettoken calls, and on a 服务号 each new token retires the previous one (after a short overlap), so
workers that each fetched their own would knock each other's tokens out. One row per app holds the current token;
a worker that finds it missing or about to expire takes a named lock, looks again, and only then fetches.

Choice: the lock (and so the transaction) is held across the one gettoken call. Releasing it during the fetch
would need a "refresh in progress" lease, which the table does not have, and without one two workers could both
fetch. The cost: on PostgreSQL only other refreshers wait (an advisory lock); on SQLite every writer waits, as the
lock is the database's write lock. The fetch is bounded by `fetch_timeout`, kept below SQLite's busy_timeout (5 s)
so that another process's writer waits rather than fails, and it happens about once in two hours.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from channels.wechat.errors import WeChatError
from storage.db import Database


class AccessTokens:
    def __init__(
        self,
        db: Database,
        app: str,
        fetch: Callable[[], Awaitable[tuple[str, int]]],
        clock: Callable[[], datetime],
        margin: timedelta = timedelta(minutes=5),
        fetch_timeout: float = 4.0,
    ) -> None:
        self._db = db
        self._app = app
        self._fetch = fetch
        self._clock = clock
        self._margin = margin
        self._fetch_timeout = fetch_timeout
        # This process's copy, so that most calls read no database; cleared by invalidate.
        self._cached: tuple[str, datetime] | None = None
        # Coroutines of this process wait for one of them to refresh, instead of each queueing on the database.
        self._refreshing = asyncio.Lock()

    def _usable(self, stored: tuple[str, datetime] | None) -> str | None:
        if stored is None or stored[1] - self._margin <= self._clock():
            return None
        return stored[0]

    async def get(self) -> str:
        """A token valid for at least `margin` more."""
        if token := self._usable(self._cached):
            return token
        async with self._refreshing:
            if token := self._usable(self._cached):
                return token
            async with self._db.transaction() as tx:  # a plain read first: usually another worker refreshed
                stored = await tx.wechat.token(self._app)
            if not self._usable(stored):
                stored = await self._refresh()
            assert stored is not None
            self._cached = stored
            return stored[0]

    async def _refresh(self) -> tuple[str, datetime]:
        async with self._db.transaction() as tx:
            await tx.locks.one_at_a_time(f"wechat token {self._app}")
            stored = await tx.wechat.token(self._app)
            if self._usable(stored):  # another worker refreshed while we waited for the lock
                assert stored is not None
                return stored
            try:
                async with asyncio.timeout(self._fetch_timeout):
                    token, expires_in = await self._fetch()
            except TimeoutError:
                raise WeChatError(None, f"gettoken took longer than {self._fetch_timeout} s") from None
            expires_at = self._clock() + timedelta(seconds=expires_in)
            await tx.wechat.save_token(self._app, token, expires_at)
            return token, expires_at

    async def invalidate(self, token: str) -> None:
        """WeChat refused `token`: forget it here and in the database (unless another worker replaced it)."""
        if self._cached is not None and self._cached[0] == token:
            self._cached = None
        async with self._db.transaction() as tx:
            await tx.wechat.drop_token(self._app, token)
