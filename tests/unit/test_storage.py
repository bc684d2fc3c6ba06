"""The storage layer: pragmas, migrations, repositories, and that the caller owns the transaction; the repository
tests run on SQLite and PostgreSQL (`db_url`, tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.db import Database, UnsupportedDatabaseUrl, sqlite_path
from storage.migrate import discover, split_statements
from storage.records import utc_now


async def test_wal_foreign_keys_and_migrations_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/a/b.db"
    db = await Database.open(url)
    assert await db.migrate() == []  # already applied at open
    async with db.transaction() as tx:
        cursor = await tx.conn.execute("PRAGMA journal_mode")
        assert (await cursor.fetchone())[0] == "wal"
        cursor = await tx.conn.execute("PRAGMA foreign_keys")
        assert (await cursor.fetchone())[0] == 1
    await db.close()
    assert (tmp_path / "a" / "b.db").exists()


async def test_rollback_on_error_keeps_nothing(db_url: str) -> None:
    db = await Database.open(db_url)
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.users.create(1, "zh_CN", utc_now())
            raise RuntimeError("boom")
    async with db.transaction() as tx:
        assert await tx.users.get(1) is None
    await db.close()


async def test_dialog_state_round_trip_and_version(db_url: str) -> None:
    db = await Database.open(db_url)
    async with db.transaction() as tx:
        first = await tx.dialogs.save(9, "menu", {"需要": "送餐"}, utc_now())
        second = await tx.dialogs.save(9, "need.describe", {}, utc_now())
    assert (first.version, second.version) == (1, 2)
    await db.close()
    db = await Database.open(db_url)  # a new process sees it
    async with db.transaction() as tx:
        state = await tx.dialogs.get(9)
        await tx.dialogs.clear(9)
        assert await tx.dialogs.get(9) is None
    assert state is not None and state.state == "need.describe"
    await db.close()


async def test_roles_and_forgetting(db_url: str) -> None:
    db = await Database.open(db_url)
    now = utc_now()
    async with db.transaction() as tx:
        community = await tx.communities.add("阳光社区", now)
        assert (await tx.communities.add("阳光社区", now)).id == community.id  # idempotent
        await tx.users.create(1, "zh_CN", now)
        await tx.users.set_consent(1, now, now)
        await tx.users.set_community(1, community.id, now)
        await tx.users.grant_role(1, "resident", now)
        await tx.users.grant_role(1, "staff", now, community_id=community.id)
        await tx.users.forget_personal_data(1, now)
        user = await tx.users.get(1)
    assert user is not None and user.roles == frozenset({"staff"})
    assert user.community_id is None and user.consent_at is None
    await db.close()


def test_database_urls() -> None:
    assert sqlite_path("sqlite:///data/sanshe.db") == "data/sanshe.db"
    assert sqlite_path("sqlite:////var/x.db") == "/var/x.db"
    with pytest.raises(UnsupportedDatabaseUrl):
        sqlite_path("postgresql://localhost/sanshe")


def test_migrations_are_numbered_and_split() -> None:
    versions = [m.version for m in discover()]
    assert versions == sorted(versions) and versions[0] == 1
    assert split_statements("-- c\nCREATE TABLE a (x TEXT DEFAULT ';');\nCREATE TABLE b (y INT);\n") == [
        "CREATE TABLE a (x TEXT DEFAULT ';');",
        "CREATE TABLE b (y INT);",
    ]


async def test_forgetting_a_resident_scrubs_contact_details_from_their_requests(db_url: str) -> None:
    from storage.records import NewRequest

    db = await Database.open(db_url)
    now = utc_now()
    async with db.transaction() as tx:
        community = await tx.communities.add("阳光社区", now)
        await tx.users.create(1, "zh_CN", now)
        new = NewRequest(1, community.id, None, "修灯", address="3栋501", contact_phone="13800000000", note="敲门")
        request = await tx.requests.add(new, "YG-2611-0001", "unmatched", now)
        await tx.users.forget_personal_data(1, now)
        scrubbed = await tx.requests.get(request.id)
    assert scrubbed is not None and scrubbed.need_text == "修灯"
    assert (scrubbed.address, scrubbed.contact_phone, scrubbed.note) == (None, None, None)
    await db.close()
