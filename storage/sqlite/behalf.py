"""Filing on someone's behalf (migration 0024): family links and their codes, residents without a chat, and the
filer, proxy and rater of a request. SQL both backends understand."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from storage.behalf import FamilyLink, Filing, OfflineResident
from storage.dialect import contains, dialect_of
from storage.records import OFFLINE_ID_BASE, RequestRecord, from_db_time, to_db_time
from storage.sqlite.requests import SqliteRequests

_LINK = "id, resident_id, member_id, member_label, resident_label, status, sees_all"
_OFFLINE = "id, community_id, name, phone, address, building, recorded_by, consent_confirmed_by, consent_confirmed_at"


def _link(row: Any) -> FamilyLink:
    return FamilyLink(int(row[0]), int(row[1]), int(row[2]), str(row[3]), str(row[4]), str(row[5]), bool(row[6]))


def _offline(row: Any) -> OfflineResident:
    confirmed = from_db_time(row[8])
    assert confirmed is not None
    return OfflineResident(OFFLINE_ID_BASE + int(row[0]), int(row[1]), str(row[2]), row[3], row[4], row[5],
                           int(row[6]), int(row[7]), confirmed)  # fmt: skip


def _like(words: str) -> str:
    return "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class SqliteBehalf:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def _one(self, query: str, params: tuple[object, ...]) -> Any:
        async with self._conn.execute(query, params) as cursor:
            return await cursor.fetchone()

    async def _all(self, query: str, params: tuple[object, ...]) -> list[Any]:
        async with self._conn.execute(query, params) as cursor:
            return list(await cursor.fetchall())

    async def _changed(self, query: str, params: tuple[object, ...]) -> bool:
        """A conditional UPDATE: whether it changed a row (so of two presses at once, one wins)."""
        return bool(await self._all(query + " RETURNING 1", params))

    # -- family links ---------------------------------------------------------------------------------------

    async def purge_codes(self, now: datetime) -> None:
        """Used and expired codes: nothing reads them any more (the links record who asked whom)."""
        await self._conn.execute(
            "DELETE FROM family_codes WHERE used_by IS NOT NULL OR expires_at <= ?", (to_db_time(now),)
        )

    async def add_code(self, code: str, resident_id: int, expires_at: datetime) -> bool:
        """Store the resident's new code (their older unused one goes); False when the code is already stored."""
        await self._conn.execute("DELETE FROM family_codes WHERE resident_id = ? AND used_by IS NULL", (resident_id,))
        return bool(
            await self._all(
                "INSERT INTO family_codes (code, resident_id, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING RETURNING code",
                (code, resident_id, to_db_time(expires_at)),
            )
        )

    async def count_tries(self, member_id: int, since: datetime) -> int:
        row = await self._one(
            "SELECT COUNT(*) FROM family_code_tries WHERE member_id = ? AND at > ?", (member_id, to_db_time(since))
        )
        return int(row[0])

    async def add_try(self, member_id: int, now: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO family_code_tries (member_id, at) VALUES (?, ?)", (member_id, to_db_time(now))
        )

    async def code_owner(self, code: str, now: datetime) -> int | None:
        """The resident of an unused, unexpired code (nothing is used up)."""
        row = await self._one(
            "SELECT resident_id FROM family_codes WHERE code = ? AND used_by IS NULL AND expires_at > ?",
            (code, to_db_time(now)),
        )
        return int(row[0]) if row else None

    async def use_code(self, code: str, member_id: int, now: datetime) -> int | None:
        """The resident whose unused, unexpired code this is (it is used up now), or None."""
        row = await self._one(
            "UPDATE family_codes SET used_by = ? WHERE code = ? AND used_by IS NULL AND expires_at > ? "
            "RETURNING resident_id",
            (member_id, code, to_db_time(now)),
        )
        return int(row[0]) if row else None

    async def ask_link(
        self, resident_id: int, member_id: int, member_label: str, resident_label: str, now: datetime
    ) -> int | None:
        """A new pending link; None when the pair already has a live one."""
        row = await self._one(
            "INSERT INTO family_links (resident_id, member_id, member_label, resident_label, status, asked_at) "
            "VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING RETURNING id",
            (resident_id, member_id, member_label, resident_label, to_db_time(now)),
        )
        return int(row[0]) if row else None

    async def link(self, link_id: int) -> FamilyLink | None:
        row = await self._one(f"SELECT {_LINK} FROM family_links WHERE id = ?", (link_id,))
        return _link(row) if row else None

    async def decide_link(self, link_id: int, resident_id: int, approve: bool, sees_all: bool, now: datetime) -> bool:
        return await self._changed(
            "UPDATE family_links SET status = ?, sees_all = ?, decided_at = ? "
            "WHERE id = ? AND resident_id = ? AND status = 'pending'",
            ("active" if approve else "refused", int(sees_all), to_db_time(now), link_id, resident_id),
        )

    async def set_sees_all(self, link_id: int, resident_id: int, sees_all: bool) -> bool:
        return await self._changed(
            "UPDATE family_links SET sees_all = ? WHERE id = ? AND resident_id = ? AND status = 'active'",
            (int(sees_all), link_id, resident_id),
        )

    async def end_link(self, link_id: int, by: int, now: datetime) -> bool:
        return await self._changed(
            "UPDATE family_links SET status = 'ended', ended_at = ?, ended_by = ? "
            "WHERE id = ? AND status IN ('pending', 'active') AND (resident_id = ? OR member_id = ?)",
            (to_db_time(now), by, link_id, by, by),
        )

    async def links_of(self, person_id: int) -> Sequence[FamilyLink]:
        """Live links (asked or confirmed) where the person is the resident or the family member."""
        rows = await self._all(
            f"SELECT {_LINK} FROM family_links WHERE (resident_id = ? OR member_id = ?) "
            "AND status IN ('pending', 'active') ORDER BY id",
            (person_id, person_id),
        )
        return [_link(row) for row in rows]

    async def active_link(self, resident_id: int, member_id: int) -> FamilyLink | None:
        row = await self._one(
            f"SELECT {_LINK} FROM family_links WHERE resident_id = ? AND member_id = ? AND status = 'active'",
            (resident_id, member_id),
        )
        return _link(row) if row else None

    # -- residents without a chat -------------------------------------------------------------------------------

    async def add_offline(
        self, community_id: int, name: str, phone: str | None, address: str | None, building: str | None,
        recorded_by: int, now: datetime,
    ) -> int:  # fmt: skip
        """Record the person (the recorder confirms their verbal consent now) and return their person id."""
        stamp = to_db_time(now)
        row = await self._one(
            "INSERT INTO offline_residents (community_id, name, phone, address, building, recorded_by, "
            "consent_confirmed_by, consent_confirmed_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (community_id, name, phone, address, building, recorded_by, recorded_by, stamp, stamp),
        )
        person_id = OFFLINE_ID_BASE + int(row[0])
        # Their users row: community and consent, muted, no 'resident' role (no announcements, votes, menus).
        await self._conn.execute(
            "INSERT INTO users (telegram_id, locale, community_id, consent_at, building, announcements_muted, "
            "created_at, updated_at) VALUES (?, 'zh_CN', ?, ?, ?, 1, ?, ?)",
            (person_id, community_id, stamp, building, stamp, stamp),
        )
        return person_id

    async def offline(self, person_id: int) -> OfflineResident | None:
        row = await self._one(f"SELECT {_OFFLINE} FROM offline_residents WHERE id = ?", (person_id - OFFLINE_ID_BASE,))
        return _offline(row) if row else None

    async def search_offline(self, community_id: int, words: str, limit: int) -> Sequence[OfflineResident]:
        """By name, phone or building (a part of any of them); all of the community's when `words` is empty."""
        like = _like(words)
        rows = await self._all(
            f"SELECT {_OFFLINE} FROM offline_residents WHERE community_id = ? AND (? = '' OR name LIKE ? ESCAPE '\\' "
            "OR COALESCE(phone, '') LIKE ? ESCAPE '\\' OR COALESCE(building, '') LIKE ? ESCAPE '\\' "
            "OR COALESCE(address, '') LIKE ? ESCAPE '\\') ORDER BY name, id LIMIT ?",
            (community_id, words, like, like, like, like, limit),
        )
        return [_offline(row) for row in rows]

    async def delete_offline(self, person_id: int) -> None:
        await self._conn.execute("DELETE FROM offline_residents WHERE id = ?", (person_id - OFFLINE_ID_BASE,))

    # -- requests filed for someone -----------------------------------------------------------------------------

    async def mark_filed(self, request_id: int, filed_by: int, proxy_id: int | None) -> None:
        await self._conn.execute(
            "UPDATE requests SET filed_by = ?, proxy_id = ? WHERE id = ?", (filed_by, proxy_id, request_id)
        )

    async def filing(self, request_id: int) -> Filing:
        row = await self._one("SELECT filed_by, proxy_id, rated_by FROM requests WHERE id = ?", (request_id,))
        return Filing(row[0], row[1], row[2]) if row else Filing(None, None, None)

    async def set_rated_by(self, request_id: int, rated_by: int) -> None:
        await self._conn.execute("UPDATE requests SET rated_by = ? WHERE id = ?", (rated_by, request_id))

    async def filed_by(self, filer_id: int, limit: int) -> Sequence[RequestRecord]:
        """The requests this person filed for someone else, newest first."""
        rows = await self._all(
            "SELECT id FROM requests WHERE filed_by = ? AND resident_id != ? ORDER BY id DESC LIMIT ?",
            (filer_id, filer_id, limit),
        )
        requests = SqliteRequests(self._conn)
        found = [await requests.get(int(row[0])) for row in rows]
        return [r for r in found if r is not None]

    # -- erasure ------------------------------------------------------------------------------------------------

    async def forget_person(self, person_id: int) -> None:
        """A withdrawal: their family links (either side, with the labels typed) and codes go."""
        await self._conn.execute(
            "DELETE FROM family_links WHERE resident_id = ? OR member_id = ?", (person_id, person_id)
        )
        await self._conn.execute(
            "DELETE FROM family_codes WHERE resident_id = ? OR used_by = ?", (person_id, person_id)
        )
        await self._conn.execute("DELETE FROM family_code_tries WHERE member_id = ?", (person_id,))
        # Their own requests, before they become anonymous counts: nothing may lead back to the person or keep
        # showing them to a filer (the rater may be the resident themself; the filer and proxy see them).
        await self._conn.execute(
            "UPDATE requests SET filed_by = NULL, proxy_id = NULL, rated_by = NULL WHERE resident_id = ?", (person_id,)
        )
        # A family member who withdraws stops hearing about what they filed (history still says who filed it);
        # a grid worker or staff member answering for a resident without chat keeps doing so (their role's work).
        await self._conn.execute(
            "UPDATE requests SET filed_by = NULL WHERE filed_by = ? AND proxy_id IS NULL", (person_id,)
        )

    async def links_export(self, person_id: int) -> list[dict[str, Any]]:
        """Every family link naming the person (either side, any status) as they may read it back: the labels
        typed about each side, the status and dates; not the other person's id."""
        rows = await self._all(
            "SELECT resident_id, member_label, resident_label, status, sees_all, asked_at, decided_at, ended_at "
            "FROM family_links WHERE resident_id = ? OR member_id = ? ORDER BY id",
            (person_id, person_id),
        )
        return [
            {"you_are": "resident" if int(row[0]) == person_id else "family_member", "member_label": row[1],
             "resident_label": row[2], "status": row[3], "member_sees_all": bool(row[4]), "asked_at": row[5],
             "decided_at": row[6], "ended_at": row[7]}
            for row in rows
        ]  # fmt: skip

    async def drafts_for(self, resident_id: int) -> Sequence[int]:
        """Chats (of filers) whose unfinished intake is for this resident: their typed answers are about them."""
        needle = f'"for_resident":{resident_id}'
        rows = await self._all(
            f"SELECT chat_id, data FROM dialog_states WHERE {contains(dialect_of(self._conn), 'data', '?')}", (needle,)
        )
        found = []
        for chat_id, data in rows:
            parsed = json.loads(data) if isinstance(data, str) else data
            resume = parsed.get("resume") if isinstance(parsed.get("resume"), dict) else {}
            if resident_id in (parsed.get("for_resident"), resume.get("for_resident")):
                found.append(int(chat_id))
        return found
