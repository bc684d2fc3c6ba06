"""Funds and their append-only ledger (migration 0025). Balances are sums of ledger rows, never stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from storage.records import from_db_time, int_or_none, to_db_time
from storage.records_projects import Fund, LedgerEntry

_ENTRY = (
    "SELECT id, fund_id, kind, amount_fen, from_account, to_account, project_id, community_id, actor_id, at, reason "
    "FROM fund_ledger"
)


def _entry(row: Sequence[object]) -> LedgerEntry:
    at = from_db_time(str(row[9]))
    assert at is not None
    return LedgerEntry(
        int(str(row[0])),
        int(str(row[1])),
        str(row[2]),
        int(str(row[3])),
        str(row[4]),
        str(row[5]),
        int_or_none(row[6]),
        int_or_none(row[7]),
        int(str(row[8])),
        at,
        str(row[10]),
    )


class SqliteFunds:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def create(self, name: str, funder: str, created_by: int, community_ids: Sequence[int], now: datetime) -> int:
        async with self._conn.execute(
            "INSERT INTO funds (name, funder, created_by, created_at) VALUES (?, ?, ?, ?) RETURNING id",
            (name, funder, created_by, to_db_time(now)),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        fund_id = int(row[0])
        for community_id in sorted(set(community_ids)):
            await self._conn.execute(
                "INSERT INTO fund_communities (fund_id, community_id) VALUES (?, ?)", (fund_id, community_id)
            )
        return fund_id

    async def _communities(self, fund_id: int) -> tuple[int, ...]:
        async with self._conn.execute(
            "SELECT community_id FROM fund_communities WHERE fund_id = ? ORDER BY community_id", (fund_id,)
        ) as cursor:
            return tuple(int(row[0]) for row in await cursor.fetchall())

    async def get(self, fund_id: int) -> Fund | None:
        async with self._conn.execute(
            "SELECT id, name, funder, created_by FROM funds WHERE id = ?", (fund_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return Fund(int(row[0]), str(row[1]), str(row[2]), int(row[3]), await self._communities(int(row[0])))

    async def all(self) -> Sequence[Fund]:
        async with self._conn.execute("SELECT id FROM funds ORDER BY id") as cursor:
            ids = [int(row[0]) for row in await cursor.fetchall()]
        return [fund for fund_id in ids if (fund := await self.get(fund_id)) is not None]

    async def book(
        self,
        fund_id: int,
        kind: str,
        amount_fen: int,
        from_account: str,
        to_account: str,
        *,
        project_id: int | None,
        community_id: int | None,
        actor_id: int,
        reason: str,
        now: datetime,
    ) -> int:
        async with self._conn.execute(
            "INSERT INTO fund_ledger (fund_id, kind, amount_fen, from_account, to_account, project_id, community_id, "
            "actor_id, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                fund_id,
                kind,
                amount_fen,
                from_account,
                to_account,
                project_id,
                community_id,
                actor_id,
                to_db_time(now),
                reason,
            ),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def balances(self, fund_id: int) -> dict[str, int]:
        """Every account of the fund that money ever touched, with its balance in fen (in minus out)."""
        async with self._conn.execute(
            "SELECT account, SUM(delta) FROM ("
            "SELECT to_account AS account, amount_fen AS delta FROM fund_ledger WHERE fund_id = ? "
            "UNION ALL SELECT from_account AS account, -amount_fen AS delta FROM fund_ledger WHERE fund_id = ?"
            ") moves GROUP BY account",
            (fund_id, fund_id),
        ) as cursor:
            return {str(row[0]): int(row[1]) for row in await cursor.fetchall()}

    async def entries(self, fund_id: int | None = None, project_id: int | None = None) -> Sequence[LedgerEntry]:
        clauses, params = [], []
        if fund_id is not None:
            clauses.append("fund_id = ?")
            params.append(fund_id)
        if project_id is not None:
            clauses.append("project_id = ?")
            params.append(project_id)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        async with self._conn.execute(f"{_ENTRY}{where} ORDER BY id", params) as cursor:
            return [_entry(row) for row in await cursor.fetchall()]
