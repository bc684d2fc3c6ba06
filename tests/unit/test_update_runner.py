"""bot.updates: updates are stored before they are confirmed, run concurrently across chats and in order within
a chat, survive a crash in the middle, and leave the table once processed (a real SQLite file)."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Update

from bot.outbox.lease import new_owner
from bot.updates import UpdateRunner, queued
from storage.db import Database
from storage.records import utc_now


def _update(update_id: int, chat_id: int) -> Update:
    payload = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "居民"},
            "text": f"第{update_id}条",
        },
    }
    update = Update.de_json(payload, None)
    assert update is not None
    return update


def _parse(payload: str) -> Update:
    update = Update.de_json(json.loads(payload), None)
    assert update is not None
    return update


def _runner(db: Database, process: Callable[[Update], Awaitable[None]], limit: int = 8) -> UpdateRunner:
    return UpdateRunner(db, process, _parse, utc_now, owner=new_owner(), lease=timedelta(seconds=30), limit=limit)


async def _stored(db: Database) -> list[int]:
    async with db.transaction() as tx:
        rows = await tx.update_queue.adopt(utc_now(), "inspector", utc_now(), 1000, also_held=True)
        return [row.update_id for row in rows]


async def test_one_chat_in_order_other_chats_at_the_same_time(db_url: str) -> None:
    db = await Database.open(db_url)
    seen: dict[int, list[int]] = {}
    running = 0
    most_at_once = 0
    rng = random.Random(7)

    async def process(update: Update) -> None:
        nonlocal running, most_at_once
        running += 1
        most_at_once = max(most_at_once, running)
        await asyncio.sleep(rng.random() / 100)  # a turn waiting for the network
        assert update.effective_chat is not None
        seen.setdefault(update.effective_chat.id, []).append(update.update_id)
        running -= 1

    runner = _runner(db, process)
    await runner.start()
    updates = [_update(uid, 100 + uid % 5) for uid in range(1, 61)]
    for start in range(0, 60, 7):  # batches as getUpdates returns them
        await runner.receive(updates[start : start + 7])
    await runner.stop()
    for chat, ids in seen.items():
        assert ids == sorted(ids), f"chat {chat} out of order: {ids}"
    assert sum(len(ids) for ids in seen.values()) == 60
    assert most_at_once > 1  # chats did overlap
    assert most_at_once <= 8  # and the limit held
    assert await _stored(db) == []  # processed updates leave the table
    await db.close()


async def test_a_crash_mid_turn_loses_no_update_and_a_redelivery_is_run_once(db_url: str) -> None:
    db = await Database.open(db_url)
    never = asyncio.Event()

    async def hangs(update: Update) -> None:
        await never.wait()  # the process dies during these turns

    crashed = _runner(db, hangs)
    await crashed.start()
    await crashed.receive([_update(1, 5), _update(2, 5), _update(3, 6)])
    assert await _stored(db) == [1, 2, 3]  # stored before Telegram is told (the offset moves after receive)
    # kill -9: nothing of `crashed` runs any more; a new process opens the same file.
    await db.close()
    db = await Database.open(db_url)
    done: list[int] = []

    async def process(update: Update) -> None:
        done.append(update.update_id)

    restarted = _runner(db, process)
    await restarted.start()  # processes what was stored
    await restarted.receive([_update(3, 6), _update(4, 5)])  # Telegram redelivers 3 with a new one
    await restarted.stop()
    assert sorted(done) == [1, 2, 3, 4] and done.index(1) < done.index(2) < done.index(4)
    assert done.count(3) == 1
    assert await _stored(db) == []
    await db.close()


async def test_a_failing_turn_does_not_block_its_chat(db_url: str) -> None:
    db = await Database.open(db_url)
    done: list[int] = []

    async def process(update: Update) -> None:
        if update.update_id == 1:
            raise RuntimeError("a bug in one turn")
        done.append(update.update_id)

    runner = _runner(db, process)
    await runner.start()
    await runner.receive([_update(1, 9), _update(2, 9)])
    await runner.stop()
    assert done == [2]
    assert await _stored(db) == []
    await db.close()


async def test_a_webhook_worker_adopts_a_dead_workers_updates_once_their_lease_ran_out(db_url: str) -> None:
    db = await Database.open(db_url)
    async with db.transaction() as tx:  # what a worker killed right after storing update 1 leaves behind
        await tx.update_queue.keep([queued(_update(1, 5))], utc_now(), "dead-worker", utc_now())
        await tx.update_queue.keep([queued(_update(4, 6))], utc_now(), "live-elsewhere", utc_now() + timedelta(hours=1))
    done: list[int] = []

    async def process(update: Update) -> None:
        done.append(update.update_id)

    worker = UpdateRunner(db, process, _parse, utc_now, owner="live-worker", lease=timedelta(seconds=0.3), shared=True)
    await worker.start()
    await worker.receive([_update(2, 5), _update(3, 8)])
    for _ in range(300):
        if len(done) == 3:
            break
        await asyncio.sleep(0.02)
    await worker.stop()
    assert sorted(done) == [1, 2, 3]  # the dead worker's update adopted; the live one's (4) left to its holder
    assert await _stored(db) == [4]
    await db.close()
