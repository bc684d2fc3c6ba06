"""A task push whose offer closes (expired, taken by someone else) before the push has left: the outbox either
never sends it or, when a sender already holds it, rewrites it as soon as it is sent. Before, such a push kept
its 接单 button for good, because the rewrite needed a Telegram message id that did not exist yet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.outbox import OutboxSender
from sandbox import SandboxClient, SandboxServer
from sandbox.client import SimUser
from storage.db import Database
from storage.records import utc_now
from tests.conftest import BOT_TOKEN

PUSH = {"inline_keyboard": [[{"text": "✅ 接单", "callback_data": "tk:a:1"}]]}
EXPIRED = "（这个任务超时没有人接，已转给其他人）"


@dataclass
class World:
    client: SandboxClient
    db: Database
    bot: Bot


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[World]:
    db = await Database.open(db_url)
    try:
        async with SandboxServer() as server, SandboxClient(server.base_url) as client:
            bot = Bot(BOT_TOKEN, base_url=f"{server.base_url}/bot", request=HTTPXRequest(connection_pool_size=8))
            async with bot:
                yield World(client, db, bot)
    finally:
        await db.close()


async def user(world: World) -> SimUser:
    person = await world.client.user()
    await person.send_text("hi")  # the bot may write only to people who wrote first
    return person


async def push(world: World, chat_id: int) -> int:
    async with world.db.transaction() as tx:
        return await tx.outbox.enqueue(chat_id, "🆕 新任务", PUSH, utc_now())


async def status(world: World, outbox_id: int) -> str:
    async with world.db.transaction() as tx:
        cursor = await tx.conn.execute("SELECT status FROM outbox WHERE id = ?", (outbox_id,))
        row = await cursor.fetchone()
    assert row is not None
    return str(row[0])


async def test_a_push_no_sender_holds_yet_is_never_sent(world: World) -> None:
    person = await user(world)
    outbox_id = await push(world, person.id)
    async with world.db.transaction() as tx:
        assert not await tx.outbox.edit_when_sent(outbox_id, person.id, EXPIRED, utc_now())
    assert await OutboxSender(world.db, world.bot).drain_once() == 0
    assert await person.messages() == []
    assert await status(world, outbox_id) == "failed"


async def test_a_push_in_a_senders_hands_is_rewritten_once_it_is_sent(world: World) -> None:
    person = await user(world)
    outbox_id = await push(world, person.id)
    now = utc_now()
    async with world.db.transaction() as tx:  # a sender holds it (in memory, waiting for the chat's slot)
        (claimed,) = await tx.outbox.claim_due(now, 10, "sender-1", now + timedelta(minutes=1))
        assert claimed.id == outbox_id
    async with world.db.transaction() as tx:
        assert await tx.outbox.edit_when_sent(outbox_id, person.id, EXPIRED, utc_now())
    async with world.db.transaction() as tx:  # the edit waits for the push, even for the push's own sender
        assert await tx.outbox.claim_due(utc_now(), 10, "sender-1", utc_now() + timedelta(minutes=1)) == []
        await tx.outbox.release_all("sender-1")

    sender = OutboxSender(world.db, world.bot)
    assert await sender.drain_once() == 1  # the push
    assert await sender.drain_once() == 1  # then its edit
    (message,) = await person.messages()
    assert message.text == EXPIRED
    assert message.inline_keyboard == []


async def test_an_edit_of_a_push_that_was_refused_is_dropped_without_a_send(world: World) -> None:
    person = await user(world)
    outbox_id = await push(world, person.id)
    now = utc_now()
    async with world.db.transaction() as tx:
        await tx.outbox.claim_due(now, 10, "sender-1", now + timedelta(minutes=1))
        assert await tx.outbox.edit_when_sent(outbox_id, person.id, EXPIRED, now)
        await tx.outbox.give_up(outbox_id, "failed", "Bad Request: refused")
    assert await OutboxSender(world.db, world.bot).drain_once() == 0
    assert await person.messages() == []
    async with world.db.transaction() as tx:
        cursor = await tx.conn.execute("SELECT status, last_error FROM outbox WHERE edit_outbox_id = ?", (outbox_id,))
        assert [tuple(row) for row in await cursor.fetchall()] == [
            ("failed", f"outbox {outbox_id}, the message to edit, was never sent")
        ]
