"""Users and their roles."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.records import User, from_db_time, to_db_time


class SqliteUsers:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def get(self, telegram_id: int) -> User | None:
        async with self._conn.execute(
            "SELECT telegram_id, locale, community_id, consent_at, consent_declined_at, blocked_at, building "
            "FROM users WHERE telegram_id = ?",
            (telegram_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        async with self._conn.execute("SELECT role FROM user_roles WHERE telegram_id = ?", (telegram_id,)) as cursor:
            roles = frozenset(r[0] for r in await cursor.fetchall())
        return User(
            telegram_id=row["telegram_id"],
            locale=row["locale"],
            community_id=row["community_id"],
            consent_at=from_db_time(row["consent_at"]),
            consent_declined_at=from_db_time(row["consent_declined_at"]),
            blocked_at=from_db_time(row["blocked_at"]),
            roles=roles,
            building=row["building"],
        )

    async def create(self, telegram_id: int, locale: str, now: datetime) -> User:
        stamp = to_db_time(now)
        await self._conn.execute(
            "INSERT INTO users (telegram_id, locale, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(telegram_id) DO NOTHING",
            (telegram_id, locale, stamp, stamp),
        )
        user = await self.get(telegram_id)
        assert user is not None
        return user

    async def _set(self, telegram_id: int, column: str, value: object, now: datetime) -> None:
        # `column` comes only from this class's own literals below, never from input.
        await self._conn.execute(
            f"UPDATE users SET {column} = ?, updated_at = ? WHERE telegram_id = ?",
            (value, to_db_time(now), telegram_id),
        )

    async def set_locale(self, telegram_id: int, locale: str, now: datetime) -> None:
        await self._set(telegram_id, "locale", locale, now)

    async def set_consent(self, telegram_id: int, consent_at: datetime | None, now: datetime) -> None:
        await self._set(telegram_id, "consent_at", to_db_time(consent_at), now)

    async def set_declined(self, telegram_id: int, declined_at: datetime | None, now: datetime) -> None:
        await self._set(telegram_id, "consent_declined_at", to_db_time(declined_at), now)

    async def set_community(self, telegram_id: int, community_id: int | None, now: datetime) -> None:
        await self._set(telegram_id, "community_id", community_id, now)

    async def set_blocked(self, telegram_id: int, blocked_at: datetime | None, now: datetime) -> None:
        await self._set(telegram_id, "blocked_at", to_db_time(blocked_at), now)

    async def grant_role(self, telegram_id: int, role: str, now: datetime, community_id: int | None = None) -> None:
        await self._conn.execute(
            "INSERT INTO user_roles (telegram_id, role, community_id, granted_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(telegram_id, role) DO UPDATE SET community_id = excluded.community_id",
            (telegram_id, role, community_id, to_db_time(now)),
        )

    async def revoke_role(self, telegram_id: int, role: str) -> None:
        await self._conn.execute("DELETE FROM user_roles WHERE telegram_id = ? AND role = ?", (telegram_id, role))

    async def set_building(self, telegram_id: int, building: str | None, now: datetime) -> None:
        await self._conn.execute(
            "UPDATE users SET building = ?, updated_at = ? WHERE telegram_id = ?",
            (building, to_db_time(now), telegram_id),
        )

    async def forget_personal_data(self, telegram_id: int, now: datetime) -> None:
        """Back to what is kept before consent: the id and the language (and, set by the caller, when they
        said no). Even when we first met is forgotten. Granted roles stay (staff and providers are registered
        by the community, not by the person). A withdrawal erases their requests too: core.privacy."""
        stamp = to_db_time(now)
        await self._conn.execute(
            "UPDATE users SET community_id = NULL, building = NULL, consent_at = NULL, announcements_muted = 0, "
            "created_at = ?, updated_at = ? WHERE telegram_id = ?",
            (stamp, stamp, telegram_id),
        )
        await self._conn.execute("DELETE FROM user_roles WHERE telegram_id = ? AND role = 'resident'", (telegram_id,))
        # Their requests stay (statistics, the providers' history) but lose how to reach them.
        await self._conn.execute(
            "UPDATE requests SET address = NULL, latitude = NULL, longitude = NULL, contact_phone = NULL, "
            "note = NULL, updated_at = ? WHERE resident_id = ?",
            (to_db_time(now), telegram_id),
        )
        # Their votes go: open rounds stop counting them; closed rounds keep the counts frozen at closing.
        await self._conn.execute("DELETE FROM votes WHERE voter_id = ?", (telegram_id,))
        # A WeChat person: messages held for them go (they may hold personal data), and the choices they were
        # offered; the rows of the messages stay (their ids are WeChat's client msgid: one used again would not be
        # delivered), and so does their WeChat id, as a Telegram chat id does, so that the answer reaches them.
        await self._conn.execute("DELETE FROM wechat_held WHERE person_id = ?", (telegram_id,))
        await self._conn.execute("UPDATE wechat_messages SET choices = NULL WHERE person_id = ?", (telegram_id,))

    async def with_role(self, role: str, community_id: int | None = None) -> list[int]:
        """Telegram ids holding `role` (in `community_id` when given), excluding people who blocked us."""
        query = (
            "SELECT r.telegram_id FROM user_roles r JOIN users u ON u.telegram_id = r.telegram_id "
            "WHERE r.role = ? AND u.blocked_at IS NULL"
        )
        params: tuple[object, ...] = (role,)
        if community_id is not None:
            query += " AND r.community_id = ?"
            params += (community_id,)
        async with self._conn.execute(query + " ORDER BY r.telegram_id", params) as cursor:
            return [int(row[0]) for row in await cursor.fetchall()]

    async def role_community(self, telegram_id: int, role: str) -> int | None:
        async with self._conn.execute(
            "SELECT community_id FROM user_roles WHERE telegram_id = ? AND role = ?", (telegram_id, role)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else None
