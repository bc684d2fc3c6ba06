"""Withdrawal of consent against a real database (SQLite and PostgreSQL), without the bot: what is erased, what is
kept, and the rules of the history table (append-only, except that personal data may be erased from it)."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from core import privacy
from core.tasks import GAVE_UP_NOTE_PREFIX
from storage.db import Database
from storage.records import HistoryEntry, NewRequest, utc_now
from storage.sqlite.privacy import mentions

RESIDENT, OTHER = 501, 502


def test_notes_keep_only_the_programs_codes() -> None:
    assert privacy.mask_note("no_provider") == "no_provider"
    assert privacy.mask_note(GAVE_UP_NOTE_PREFIX + "她家在9栋902，没人开门") == GAVE_UP_NOTE_PREFIX
    assert privacy.mask_note("已到9栋902疏通完毕") is None


def test_a_reference_is_named_only_as_a_whole() -> None:
    assert mentions("🆕 新任务 YG-2611-0001\n需要：修灯", "YG-2611-0001")
    assert not mentions("YG-2611-00012", "YG-2611-0001")
    assert not mentions("AYG-2611-0001", "YG-2611-0001")


async def _seed(db: Database) -> tuple[int, int]:
    now = utc_now()
    async with db.transaction() as tx:
        community = await tx.communities.add("阳光社区", now)
        for person in (RESIDENT, OTHER):
            await tx.users.create(person, "zh_CN", now)
            await tx.users.set_consent(person, now, now)
            await tx.users.set_community(person, community.id, now)
            await tx.users.grant_role(person, "resident", now)
        new = NewRequest(RESIDENT, community.id, None, "修灯，电话13800000000", address="3栋501",
                         contact_phone="13800000000")  # fmt: skip
        mine = await tx.requests.add(new, "YG-2611-0001", "unmatched", now)
        theirs = await tx.requests.add(NewRequest(OTHER, community.id, None, "送餐"), "YG-2611-0002", "unmatched", now)
        await tx.requests.add_history(HistoryEntry(mine.id, now, RESIDENT, None, "submitted"))
        await tx.requests.add_history(HistoryEntry(mine.id, now, None, "submitted", "unmatched", "no_service_fits"))
        await tx.requests.attach(mine.id, "photo", "AgACphoto-of-501", now)
        await tx.dialogs.save(RESIDENT, "need.where", {"need": "又一件事", "phone": "13800000000"}, now)
        # To the resident: news of their own request (goes) and, as if they also served, someone else's (stays).
        await tx.outbox.enqueue(RESIDENT, "您的求助 YG-2611-0001 有新进展", None, now)
        await tx.outbox.enqueue(RESIDENT, "🆕 新任务 YG-2611-0002\n需要：送餐", None, now)
        # To someone else about the resident's request (goes), and about their own (stays).
        await tx.outbox.enqueue(OTHER, "🆕 待处理求助 YG-2611-0001：修灯，电话13800000000", None, now)
        await tx.outbox.enqueue(OTHER, "您的求助 YG-2611-0002 有新进展", None, now)
    return mine.id, theirs.id


async def test_withdrawal_erases_the_resident_and_nobody_else(db_url: str) -> None:
    db = await Database.open(db_url)
    mine, theirs = await _seed(db)
    async with db.transaction() as tx:
        user = await tx.users.get(RESIDENT)
        assert user is not None
        before = privacy.holdings(await privacy.personal_data(tx, user))
        result = await privacy.withdraw(tx, user, utc_now())
        kept = await tx.requests.get(mine)
        other = await tx.requests.get(theirs)
        history = await tx.requests.history(mine)
        attachments = await tx.requests.attachments(mine)
        dialog = await tx.dialogs.get(RESIDENT)
        cursor = await tx.conn.execute("SELECT chat_id, text FROM outbox ORDER BY id")
        outbox = [tuple(row) for row in await cursor.fetchall()]
    await db.close()
    assert (before.requests, before.open_requests, before.phones, before.attachments) == (1, 1, 1, 1)
    assert before.draft and (before.messages_to_you, before.messages_about_you) == (2, 1)
    assert [c.reference for c in result.cancelled] == ["YG-2611-0001"] and result.requests == 1
    assert result.user.consent_at is None and "resident" not in result.user.roles
    assert kept is not None and kept.status == "cancelled" and kept.resident_id == 0
    assert kept.need_text == privacy.NEED_ERASED and (kept.address, kept.contact_phone) == (None, None)
    assert [(h.actor_id, h.note) for h in history] == [(0, None), (None, "no_service_fits"), (0, "consent_withdrawn")]
    assert attachments == [] and dialog is None
    assert outbox == [(RESIDENT, "🆕 新任务 YG-2611-0002\n需要：送餐"), (OTHER, "您的求助 YG-2611-0002 有新进展")]
    assert other is not None and other.need_text == "送餐" and other.resident_id == OTHER


async def test_history_is_append_only_except_for_erasing_personal_data(db_url: str) -> None:
    db = await Database.open(db_url)
    mine, _ = await _seed(db)
    async with db.transaction() as tx:
        await tx.requests.add_history(
            HistoryEntry(mine, utc_now(), OTHER, "unmatched", "done", "cannot_complete: 没人")
        )
        cursor = await tx.conn.execute("SELECT id FROM request_history WHERE note LIKE 'cannot_complete:%'")
        (entry,) = await cursor.fetchone()
        await tx.conn.execute("UPDATE request_history SET note = 'cannot_complete: ' WHERE id = ?", (entry,))
        await tx.conn.execute("UPDATE request_history SET note = NULL, actor_id = 0 WHERE id = ?", (entry,))
        if db.dialect == "sqlite":  # PostgreSQL has no such setting (PostgresDatabase.checkpoint says what it does)
            cursor = await tx.conn.execute("PRAGMA secure_delete")
            assert (await cursor.fetchone())[0] == 1
    for forbidden in (
        "UPDATE request_history SET note = '改写的备注' WHERE id = ?",
        "UPDATE request_history SET to_status = 'cancelled' WHERE id = ?",
        "UPDATE request_history SET actor_id = 7 WHERE id = ?",
        "UPDATE request_history SET actor_id = NULL WHERE id = ?",
        "DELETE FROM request_history WHERE id = ?",
    ):
        with pytest.raises((sqlite3.DatabaseError, psycopg.Error), match="append-only"):
            async with db.transaction() as tx:
                await tx.conn.execute(forbidden, (entry,))
    await db.close()
