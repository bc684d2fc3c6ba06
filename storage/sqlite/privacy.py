"""One resident's data as a whole: everything kept about them (for /privacy and its export), and its erasure
when they withdraw consent. The rules (which notes are codes, what replaces a need) come from core.privacy.

A resident's data is spread over: users (profile), user_roles, requests (need, when, address, location, phone,
note, rating comment), request_attachments (photo and voice file ids), request_history (notes written by
providers and staff, the resident's own actions), votes, dialog_states (typed answers of an unfinished
request) and the outbox (messages to their chat, and messages to others that name one of their requests).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.dialect import contains, dialect_of
from storage.protocols import Erased, PersonalData
from storage.records import RequestRecord, to_db_time
from storage.sqlite.behalf import SqliteBehalf
from storage.sqlite.requests import SqliteRequests

# Requests whose resident withdrew consent belong to this row (migration 0013); a Telegram id is never 0.
ANONYMOUS_ID = 0
# A request reference as core.requests makes it: community code, year and month, number (YG-2611-0042).
_ANY_REFERENCE = re.compile(r"(?<![A-Za-z0-9])[A-Z0-9]{1,4}-\d{4}-\d{4,}(?!\d)")

_PROFILE = """
SELECT u.locale AS language, c.name AS community, u.building, u.consent_at AS consent_given_at,
       u.consent_declined_at, u.created_at AS first_seen_at, u.announcements_muted
FROM users u LEFT JOIN communities c ON c.id = u.community_id
WHERE u.telegram_id = ?
"""
_VOTES = """
SELECT vr.title AS round, vp.title AS project, v.cast_at
FROM votes v JOIN vote_rounds vr ON vr.id = v.round_id JOIN vote_projects vp ON vp.id = v.project_id
WHERE v.voter_id = ? ORDER BY v.cast_at
"""
# A request as its resident may read it back: no internal ids, the provider by the name they were told.
_REQUESTS = """
SELECT r.id, r.reference, r.status, s.name AS service, s.category, r.need_text AS need, r.when_code AS "when",
       r.when_text, r.address, r.latitude, r.longitude, r.contact_phone AS phone, r.note,
       p.display_name AS provider, r.rating, r.rating_comment, r.created_at, r.updated_at
FROM requests r
LEFT JOIN services s ON s.service_id = r.service_id
LEFT JOIN providers p ON p.telegram_id = r.provider_id
WHERE r.resident_id = ? ORDER BY r.id
"""
# Who acted is told by role only: a provider's or staff member's Telegram id is theirs, not the resident's.
_HISTORY = """
SELECT h.at, h.from_status, h.to_status,
       CASE WHEN h.actor_id IS NULL THEN 'system'
            WHEN h.actor_id = r.resident_id THEN 'you'
            WHEN h.on_behalf_of = r.resident_id THEN 'someone_for_you'
            WHEN EXISTS (SELECT 1 FROM providers p WHERE p.telegram_id = h.actor_id) THEN 'service_provider'
            ELSE 'community_staff' END AS by_whom,
       h.note
FROM request_history h JOIN requests r ON r.id = h.request_id
WHERE h.request_id = ? ORDER BY h.id
"""


def mentions(text: str, reference: str) -> bool:
    """Whether `text` names this request (YG-2611-0001 is not named by YG-2611-00012)."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(reference)}(?!\d)", text) is not None


@dataclass(frozen=True, slots=True)
class _OutboxRow:
    id: int
    chat_id: int
    message_id: int | None
    status: str
    created_at: str
    sent_at: str | None
    text: str
    reference: str | None  # the person's request it names, if any
    keep: bool = False  # a pending work message to this person about someone else's request


class SqlitePrivacy:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def _rows(self, query: str, params: Sequence[object]) -> list[aiosqlite.Row]:
        async with self._conn.execute(query, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def own_requests(self, resident_id: int) -> Sequence[RequestRecord]:
        requests = SqliteRequests(self._conn)
        rows = await self._rows("SELECT id FROM requests WHERE resident_id = ? ORDER BY id", (resident_id,))
        found = [await requests.get(int(row[0])) for row in rows]
        return [r for r in found if r is not None]

    async def _references(self, resident_id: int) -> dict[int, str]:
        rows = await self._rows("SELECT id, reference FROM requests WHERE resident_id = ? ORDER BY id", (resident_id,))
        return {int(row[0]): str(row[1]) for row in rows}

    async def _is_someone_elses(self, text: str, own: Collection[str]) -> bool:
        for reference in set(_ANY_REFERENCE.findall(text)) - set(own):
            if await self._rows("SELECT 1 FROM requests WHERE reference = ?", (reference,)):
                return True
        return False

    async def _outbox(self, telegram_id: int, references: Collection[str]) -> list[_OutboxRow]:
        """Rows to the person's chat, then rows to anyone else that name one of their requests."""
        columns = "id, chat_id, message_id, status, created_at, sent_at, text"
        found: dict[int, _OutboxRow] = {}
        for row in await self._rows(f"SELECT {columns} FROM outbox WHERE chat_id = ? ORDER BY id", (telegram_id,)):
            text = row["text"]
            named = next((ref for ref in references if mentions(text, ref)), None)
            # A provider or staff member who also withdraws as a resident still gets their pending work.
            keep = row["status"] == "pending" and await self._is_someone_elses(text, references)
            found[row["id"]] = _OutboxRow(*tuple(row), reference=named, keep=keep)
        for reference in sorted(references):
            for row in await self._rows(
                f"SELECT {columns} FROM outbox WHERE chat_id != ? AND {contains(dialect_of(self._conn), 'text', '?')} "
                "ORDER BY id",
                (telegram_id, reference),
            ):
                if row["id"] not in found and mentions(row["text"], reference):
                    found[row["id"]] = _OutboxRow(*tuple(row), reference=reference)
        return [found[key] for key in sorted(found)]

    async def personal_data(self, telegram_id: int) -> PersonalData:
        found = await self._rows(_PROFILE, (telegram_id,))
        profile: dict[str, Any] = dict(found[0]) if found else {}
        profile["announcements_muted"] = bool(profile.get("announcements_muted"))
        roles = await self._rows("SELECT role FROM user_roles WHERE telegram_id = ? ORDER BY role", (telegram_id,))
        profile["roles"] = [row[0] for row in roles]
        requests = [await self._request(row) for row in await self._rows(_REQUESTS, (telegram_id,))]
        votes = [dict(row) for row in await self._rows(_VOTES, (telegram_id,))]
        dialog_rows = await self._rows(
            "SELECT state, data, updated_at FROM dialog_states WHERE chat_id = ?", (telegram_id,)
        )
        dialog = (
            {"step": dialog_rows[0][0], "answers": json.loads(dialog_rows[0][1]), "updated_at": dialog_rows[0][2]}
            if dialog_rows
            else None
        )
        outbox = await self._outbox(telegram_id, [r["reference"] for r in requests])

        def message(row: _OutboxRow) -> dict[str, Any]:
            return {"created_at": row.created_at, "sent_at": row.sent_at, "status": row.status, "text": row.text}

        return PersonalData(
            telegram_id=telegram_id,
            profile=profile,
            requests=requests,
            votes=votes,
            dialog=dialog,
            messages_to_you=[message(r) for r in outbox if r.chat_id == telegram_id],
            messages_about_you=[message(r) for r in outbox if r.chat_id != telegram_id],
            family_links=await SqliteBehalf(self._conn).links_export(telegram_id),
        )

    async def _request(self, row: aiosqlite.Row) -> Mapping[str, Any]:
        values = dict(row)
        request_id = values.pop("id")
        values["attachments"] = [dict(a) for a in await self._rows(
            "SELECT kind, file_id, added_at FROM request_attachments WHERE request_id = ? ORDER BY id", (request_id,)
        )]  # fmt: skip
        values["history"] = [dict(h) for h in await self._rows(_HISTORY, (request_id,))]
        return values

    async def erase(
        self, resident_id: int, now: datetime, need_mark: str, mask_note: Callable[[str], str | None]
    ) -> Erased:
        """Everything the resident wrote and every link back to them, in the caller's transaction. Their requests
        stay as anonymous counts: community, service, dates, status, provider and rating number."""
        references = await self._references(resident_id)
        outbox = [row for row in await self._outbox(resident_id, references.values()) if not row.keep]
        rewrite: set[tuple[int, int, str]] = set()
        for row in outbox:
            if row.chat_id != resident_id and row.status == "sent" and row.message_id is not None and row.reference:
                rewrite.add((row.chat_id, row.message_id, row.reference))
        gone = [(row.id,) for row in outbox]
        await self._conn.executemany("UPDATE offers SET outbox_id = NULL WHERE outbox_id = ?", gone)
        await self._conn.executemany("DELETE FROM outbox WHERE id = ?", gone)
        for request_id in references:
            await self._conn.execute("DELETE FROM request_attachments WHERE request_id = ?", (request_id,))
            for entry_id, actor_id, note, for_whom in await self._rows(
                "SELECT id, actor_id, note, on_behalf_of FROM request_history WHERE request_id = ?", (request_id,)
            ):
                new_actor = ANONYMOUS_ID if actor_id == resident_id else actor_id
                new_note = mask_note(note) if note is not None else None
                # Acted for them by a family member, grid worker or staff (migration 0024): for nobody now.
                new_for = ANONYMOUS_ID if for_whom == resident_id else for_whom
                if (new_actor, new_note, new_for) != (actor_id, note, for_whom):
                    await self._conn.execute(
                        "UPDATE request_history SET actor_id = ?, note = ?, on_behalf_of = ? WHERE id = ?",
                        (new_actor, new_note, new_for, entry_id),
                    )
        await self._conn.execute(
            "UPDATE requests SET need_text = ?, when_text = NULL, address = NULL, latitude = NULL, longitude = NULL, "
            "contact_phone = NULL, note = NULL, rating_comment = NULL, resident_id = ?, updated_at = ? "
            "WHERE resident_id = ?",
            (need_mark, ANONYMOUS_ID, to_db_time(now), resident_id),
        )
        await self._conn.execute("DELETE FROM votes WHERE voter_id = ?", (resident_id,))
        await self._conn.execute("DELETE FROM dialog_states WHERE chat_id = ?", (resident_id,))
        return Erased(len(references), len(gone), tuple(sorted(rewrite)))
