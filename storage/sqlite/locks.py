"""Named locks held until the transaction ends (no-ops on SQLite, whose write transactions are one at a time)."""

from __future__ import annotations

from typing import Any

from storage.dialect import one_at_a_time


class SqlLocks:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def one_at_a_time(self, name: str) -> None:
        """Until this transaction ends, no other transaction (in any process) passes this point for `name`."""
        await one_at_a_time(self._conn, name)
