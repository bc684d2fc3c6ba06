"""The outbox sender over the real path: a real SQLite file, python-telegram-bot's Bot over HTTP, and the
sandbox enforcing Telegram's flood limits (30 sends/s overall, 1/s per private chat)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.outbox import OutboxSender
from sandbox import SandboxClient, SandboxServer
from sandbox.client import InlineButton, ReplyButton, SimUser
from storage.db import Database
from storage.records import utc_now
from tests.conftest import BOT_TOKEN

# PTB itself reads RetryAfter.retry_after in the exception's constructor, which warns about its future type.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@dataclass
class World:
    server: SandboxServer
    client: SandboxClient
    db: Database
    bot: Bot


@dataclass(frozen=True)
class Row:
    id: int
    chat_id: int
    text: str
    status: str
    message_id: int | None
    last_error: str | None


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    db = await Database.open(f"sqlite:///{tmp_path / 'outbox.db'}")
    try:
        async with SandboxServer(enforce_rate_limits=True) as server, SandboxClient(server.base_url) as client:
            # Like the Application's bot, a pool that lets the sender's concurrent sends through.
            bot = Bot(BOT_TOKEN, base_url=f"{server.base_url}/bot", request=HTTPXRequest(connection_pool_size=64))
            async with bot:
                yield World(server, client, db, bot)
    finally:
        await db.close()


async def make_users(client: SandboxClient, count: int) -> list[SimUser]:
    users = [await client.user(first_name=f"居民{i}") for i in range(count)]
    # Telegram (and the sandbox) only lets a bot write to people who wrote to it first.
    await asyncio.gather(*(user.send_text("hi") for user in users))
    return users


async def enqueue(db: Database, messages: Sequence[tuple[int, str, dict[str, Any] | None]]) -> None:
    async with db.transaction() as tx:
        for chat_id, text, markup in messages:
            await tx.outbox.enqueue(chat_id, text, markup, utc_now())


async def outbox_rows(db: Database) -> list[Row]:
    async with db.transaction() as tx:
        cursor = await tx.conn.execute(
            "SELECT id, chat_id, text, status, message_id, last_error FROM outbox ORDER BY id"
        )
        return [Row(*row) for row in await cursor.fetchall()]


async def wait_until_nothing_pending(db: Database, timeout: float = 20.0) -> None:  # noqa: ASYNC109
    async with asyncio.timeout(timeout):
        while True:
            async with db.transaction() as tx:
                if await tx.outbox.pending_count() == 0:
                    return
            await asyncio.sleep(0.05)


async def texts(user: SimUser) -> list[str | None]:
    return [message.text for message in await user.messages()]


async def test_a_queue_goes_out_within_limits_in_order_and_once(world: World) -> None:
    busy, *others = await make_users(world.client, 41)
    await enqueue(
        world.db,
        [(busy.id, f"第{i}条", None) for i in range(1, 6)] + [(user.id, f"你好 {user.id}", None) for user in others],
    )

    sender = OutboxSender(world.db, world.bot)
    await sender.start()
    await wait_until_nothing_pending(world.db)
    await sender.stop()

    assert await texts(busy) == ["第1条", "第2条", "第3条", "第4条", "第5条"]
    for user in others:
        assert await texts(user) == [f"你好 {user.id}"]
    stats = await world.client.stats()
    assert stats["http_429"] == 0
    assert stats["requests"]["sendMessage"] == 45  # nothing sent twice, nothing retried
    rows = await outbox_rows(world.db)
    assert {row.status for row in rows} == {"sent"}
    received = {(user.id, message.message_id) for user in [busy, *others] for message in await user.messages()}
    assert {(row.chat_id, row.message_id) for row in rows} == received


async def test_keyboards_arrive_as_buttons(world: World) -> None:
    inline_user, reply_user, remove_user = await make_users(world.client, 3)
    inline = {
        "inline_keyboard": [
            [{"text": "接单", "callback_data": "take:7"}, {"text": "详情", "url": "https://example.org/7"}]
        ]
    }
    reply = {
        "keyboard": [[{"text": "返回"}], [{"text": "分享手机号", "request_contact": True}]],
        "resize_keyboard": True,
    }
    await enqueue(
        world.db,
        [
            (inline_user.id, "新任务", inline),
            (reply_user.id, "请选择", reply),
            (remove_user.id, "好的", {"remove_keyboard": True}),
        ],
    )

    assert await OutboxSender(world.db, world.bot).drain_once() == 3

    [task] = await inline_user.messages()
    assert task.inline_keyboard == [
        [InlineButton("接单", callback_data="take:7"), InlineButton("详情", url="https://example.org/7")]
    ]
    [choice] = await reply_user.messages()
    assert choice.reply_keyboard == [[ReplyButton("返回")], [ReplyButton("分享手机号", request_contact=True)]]
    [done] = await remove_user.messages()
    assert done.remove_keyboard


async def test_a_blocked_user_is_given_up_and_marked_while_others_still_get_theirs(world: World) -> None:
    gone, staying = await make_users(world.client, 2)
    async with world.db.transaction() as tx:
        await tx.users.create(gone.id, "zh_CN", utc_now())
    await gone.block()
    await enqueue(world.db, [(gone.id, "一", None), (gone.id, "二", None), (staying.id, "您好", None)])

    assert await OutboxSender(world.db, world.bot).drain_once() == 1

    assert await texts(staying) == ["您好"]
    statuses = {row.text: row.status for row in await outbox_rows(world.db)}
    assert statuses == {"一": "blocked", "二": "blocked", "您好": "sent"}
    async with world.db.transaction() as tx:
        user = await tx.users.get(gone.id)
    assert user is not None and user.blocked_at is not None
    assert (await world.client.stats())["http_403"] == 1  # the second message was not tried


async def test_messages_telegram_refuses_fail_without_holding_up_the_rest(world: World) -> None:
    writer, other, odd = await make_users(world.client, 3)
    await enqueue(
        world.db,
        [
            (writer.id, "长" * 5000, None),  # over Telegram's 4096 characters: 400
            (writer.id, "之后", None),
            (other.id, "您好", None),
            (odd.id, "奇怪的键盘", {"not_a_keyboard": []}),  # refused before anything is sent
        ],
    )

    assert await OutboxSender(world.db, world.bot).drain_once() == 2

    assert await texts(writer) == ["之后"]
    assert await texts(other) == ["您好"]
    assert await texts(odd) == []
    rows = {row.text[:4]: row for row in await outbox_rows(world.db)}
    assert rows["长长长长"].status == "failed" and "too long" in (rows["长长长长"].last_error or "")
    assert rows["奇怪的键"].status == "failed" and "reply_markup" in (rows["奇怪的键"].last_error or "")
    assert (await world.client.stats())["requests"]["sendMessage"] == 3


async def test_a_new_sender_delivers_the_rest_after_drain_once_and_nothing_twice(world: World) -> None:
    users = await make_users(world.client, 8)
    await enqueue(world.db, [(user.id, f"通知 {user.id}", None) for user in users])

    first = OutboxSender(world.db, world.bot, batch=3)
    assert await first.drain_once() == 3
    await first.stop()
    assert await OutboxSender(world.db, world.bot).drain_once() == 5

    for user in users:
        assert await texts(user) == [f"通知 {user.id}"]
    assert (await world.client.stats())["requests"]["sendMessage"] == 8


async def test_stopping_mid_way_leaves_no_half_sent_message_and_a_restart_finishes(world: World) -> None:
    users = await make_users(world.client, 10)
    await enqueue(world.db, [(user.id, f"{user.id}-{n}", None) for n in range(3) for user in users])

    first = OutboxSender(world.db, world.bot)
    await first.start()
    await users[0].wait_for_messages(2, timeout=10)  # a second round has begun: some sent, some not
    await first.stop()
    # Every message Telegram accepted is recorded as sent; everything else is still pending.
    delivered = (await world.client.stats())["messages_delivered"]
    rows = await outbox_rows(world.db)
    assert sum(row.status == "sent" for row in rows) == delivered < 30
    assert {row.status for row in rows} == {"sent", "pending"}

    second = OutboxSender(world.db, world.bot)
    await second.start()
    await wait_until_nothing_pending(world.db)
    await second.stop()

    for user in users:
        assert await texts(user) == [f"{user.id}-0", f"{user.id}-1", f"{user.id}-2"]
    stats = await world.client.stats()
    assert stats["messages_delivered"] == 30
    # The new process does not know what the old one sent a moment ago: Telegram's 429 tells it, nothing else.
    assert stats["requests"]["sendMessage"] == 30 + stats["http_429"]


async def test_wake_sends_at_once_instead_of_after_the_idle_poll(world: World) -> None:
    [user] = await make_users(world.client, 1)
    sender = OutboxSender(world.db, world.bot, idle_poll=60.0)
    await sender.start()
    try:
        await asyncio.sleep(0.1)  # the first look found nothing; the next would be a minute away
        await enqueue(world.db, [(user.id, "您的申请已受理", None)])
        sender.wake()
        [message] = await user.wait_for_messages(1, timeout=10)
        assert message.text == "您的申请已受理"
    finally:
        await sender.stop()


async def test_a_sender_faster_than_telegram_honours_retry_after_without_a_tight_loop(world: World) -> None:
    users = await make_users(world.client, 20)
    await enqueue(world.db, [(user.id, f"{user.id}-{n}", None) for user in users for n in range(3)])

    # Our own limits off: only Telegram's 429s hold this sender back.
    sender = OutboxSender(world.db, world.bot, per_second=100, per_chat_interval=0)
    await sender.start()
    await wait_until_nothing_pending(world.db, timeout=30)
    await sender.stop()

    for user in users:
        assert await texts(user) == [f"{user.id}-0", f"{user.id}-1", f"{user.id}-2"]
    stats = await world.client.stats()
    assert stats["http_429"] > 0
    assert stats["requests"]["sendMessage"] == 60 + stats["http_429"]  # every other request was a 429
    assert stats["requests"]["sendMessage"] <= 3 * 60  # each refusal waited retry_after: no tight loop
    assert {row.status for row in await outbox_rows(world.db)} == {"sent"}
