"""Residents' votes on projects: rounds, candidate projects, one vote per resident per round, paper ballots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from storage.dialect import dialect_of, smaller
from storage.records import VoteProject, VoteRound, from_db_time, int_or_none, to_db_time

_ROUND = "SELECT id, community_id, title, winners, status, closes_at, created_by FROM vote_rounds"
_PROJECT = (
    "SELECT id, round_id, position, title, organization, budget_yuan, description, won, final_online, final_paper "
    "FROM vote_projects"
)


def _round(row: Sequence[object]) -> VoteRound:
    closes_at = from_db_time(str(row[5]))
    assert closes_at is not None
    return VoteRound(int(str(row[0])), int(str(row[1])), str(row[2]), int(str(row[3])), str(row[4]), closes_at,
                     int(str(row[6])))  # fmt: skip


def _project(row: Sequence[object]) -> VoteProject:
    return VoteProject(
        int(str(row[0])), int(str(row[1])), int(str(row[2])), str(row[3]), str(row[4]), int(str(row[5])),
        str(row[6]), bool(row[7]), int_or_none(row[8]), int_or_none(row[9]),
    )  # fmt: skip


class SqliteVotes:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def create_round(
        self, community_id: int, title: str, winners: int, closes_at: datetime, created_by: int, now: datetime
    ) -> int:
        async with self._conn.execute(
            "INSERT INTO vote_rounds (community_id, title, winners, closes_at, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (community_id, title, winners, to_db_time(closes_at), created_by, to_db_time(now)),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def add_project(
        self, round_id: int, position: int, title: str, organization: str, budget_yuan: int, description: str
    ) -> int:
        async with self._conn.execute(
            "INSERT INTO vote_projects (round_id, position, title, organization, budget_yuan, description) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (round_id, position, title, organization, budget_yuan, description),
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def get_round(self, round_id: int) -> VoteRound | None:
        async with self._conn.execute(f"{_ROUND} WHERE id = ?", (round_id,)) as cursor:
            row = await cursor.fetchone()
        return _round(row) if row else None

    async def rounds(self, community_id: int, limit: int) -> Sequence[VoteRound]:
        """The community's rounds, open ones first, then the most recent."""
        async with self._conn.execute(
            f"{_ROUND} WHERE community_id = ? ORDER BY status = 'closed', id DESC LIMIT ?", (community_id, limit)
        ) as cursor:
            return [_round(row) for row in await cursor.fetchall()]

    async def projects(self, round_id: int) -> Sequence[VoteProject]:
        async with self._conn.execute(f"{_PROJECT} WHERE round_id = ? ORDER BY position", (round_id,)) as cursor:
            return [_project(row) for row in await cursor.fetchall()]

    async def vote_of(self, round_id: int, voter_id: int) -> int | None:
        async with self._conn.execute(
            "SELECT project_id FROM votes WHERE round_id = ? AND voter_id = ?", (round_id, voter_id)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else None

    async def cast(self, round_id: int, voter_id: int, project_id: int, now: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO votes (round_id, voter_id, project_id, cast_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (round_id, voter_id) DO UPDATE "
            "SET project_id = excluded.project_id, cast_at = excluded.cast_at",
            (round_id, voter_id, project_id, to_db_time(now)),
        )

    async def online_counts(self, round_id: int) -> dict[int, int]:
        async with self._conn.execute(
            "SELECT project_id, COUNT(*) FROM votes WHERE round_id = ? GROUP BY project_id", (round_id,)
        ) as cursor:
            return {int(row[0]): int(row[1]) for row in await cursor.fetchall()}

    async def paper_counts(self, round_id: int) -> dict[int, int]:
        async with self._conn.execute(
            "SELECT p.project_id, SUM(p.ballots) FROM paper_votes p JOIN vote_projects v ON v.id = p.project_id "
            "WHERE v.round_id = ? AND p.voided_at IS NULL GROUP BY p.project_id",
            (round_id,),
        ) as cursor:
            return {int(row[0]): int(row[1]) for row in await cursor.fetchall()}

    async def add_paper(self, project_id: int, ballots: int, note: str, added_by: int, now: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO paper_votes (project_id, ballots, note, added_by, added_at) VALUES (?, ?, ?, ?, ?)",
            (project_id, ballots, note, added_by, to_db_time(now)),
        )

    async def void_last_paper(self, round_id: int, staff_id: int, now: datetime) -> tuple[int, int, str] | None:
        """Void the round's latest counted batch of paper ballots; (project id, ballots, note), or None if none."""
        async with self._conn.execute(
            "UPDATE paper_votes SET voided_by = ?, voided_at = ? WHERE id = (SELECT p.id FROM paper_votes p "
            "JOIN vote_projects v ON v.id = p.project_id WHERE v.round_id = ? AND p.voided_at IS NULL "
            "ORDER BY p.id DESC LIMIT 1) RETURNING project_id, ballots, note",
            (staff_id, to_db_time(now), round_id),
        ) as cursor:
            row = await cursor.fetchone()
        return (int(row[0]), int(row[1]), str(row[2])) if row else None

    async def paper_notes(self, round_id: int) -> Sequence[tuple[int, int, str]]:
        """(project id, ballots, note) of every batch of paper ballots, in the order they were typed in."""
        async with self._conn.execute(
            "SELECT p.project_id, p.ballots, p.note FROM paper_votes p JOIN vote_projects v ON v.id = p.project_id "
            "WHERE v.round_id = ? AND p.voided_at IS NULL ORDER BY p.id",
            (round_id,),
        ) as cursor:
            return [(int(row[0]), int(row[1]), str(row[2])) for row in await cursor.fetchall()]

    async def due(self, now: datetime) -> Sequence[VoteRound]:
        async with self._conn.execute(
            f"{_ROUND} WHERE status = 'open' AND closes_at <= ? ORDER BY id", (to_db_time(now),)
        ) as cursor:
            return [_round(row) for row in await cursor.fetchall()]

    async def end_voting(self, round_id: int, now: datetime) -> bool:
        """Open → counting; False if voting had already ended. Ended early: the closing time shown from now on
        is when it really ended."""
        cursor = await self._conn.execute(
            "UPDATE vote_rounds SET status = 'counting', "
            f"closes_at = {smaller(dialect_of(self._conn), 'closes_at', '?')} "
            "WHERE id = ? AND status = 'open'",
            (to_db_time(now), round_id),
        )
        return cursor.rowcount == 1

    async def counting_since(self, ended_before: datetime) -> Sequence[VoteRound]:
        async with self._conn.execute(
            f"{_ROUND} WHERE status = 'counting' AND closes_at <= ? ORDER BY id", (to_db_time(ended_before),)
        ) as cursor:
            return [_round(row) for row in await cursor.fetchall()]

    async def close(self, round_id: int, tallies: Sequence[tuple[int, int, int, bool]], now: datetime) -> bool:
        """Publish: freeze each project's (id, online, paper, won); False if it was already published (another
        process or a staff member got there first)."""
        cursor = await self._conn.execute(
            "UPDATE vote_rounds SET status = 'closed', closed_at = ?, "
            f"closes_at = {smaller(dialect_of(self._conn), 'closes_at', '?')} "
            "WHERE id = ? AND status IN ('open', 'counting')",
            (to_db_time(now), to_db_time(now), round_id),
        )
        if cursor.rowcount != 1:
            return False
        await self._conn.executemany(
            "UPDATE vote_projects SET final_online = ?, final_paper = ?, won = ? WHERE id = ? AND round_id = ?",
            [(online, paper, int(won), pid, round_id) for pid, online, paper, won in tallies],
        )
        return True

    async def voters(self, round_id: int) -> Sequence[tuple[int, str]]:
        """(chat id, locale) of everyone who voted online and has not blocked the bot."""
        async with self._conn.execute(
            "SELECT u.telegram_id, u.locale FROM votes v JOIN users u ON u.telegram_id = v.voter_id "
            "WHERE v.round_id = ? AND u.blocked_at IS NULL ORDER BY u.telegram_id",
            (round_id,),
        ) as cursor:
            return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]

    async def forget_ballots(self, round_id: int) -> None:
        """Once a round has closed and its counts are frozen, who voted for what is not kept."""
        await self._conn.execute("DELETE FROM votes WHERE round_id = ?", (round_id,))
