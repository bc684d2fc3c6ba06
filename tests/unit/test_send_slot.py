"""A reply a turn sends itself takes a slot of the same limit as the outbox, so together they stay in the rate."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from bot.outbox.sender import OutboxSender


async def test_direct_replies_wait_for_a_free_slot() -> None:
    sender = OutboxSender(cast(Any, None), cast(Any, None), per_second=2)  # two sends per one-second window
    release = asyncio.Event()
    entered: list[int] = []

    async def reply(chat_id: int) -> None:
        async with sender.slot(chat_id):
            entered.append(chat_id)
            await release.wait()

    first, second = asyncio.create_task(reply(1)), asyncio.create_task(reply(2))
    await asyncio.sleep(0.7)  # well past the 1/2 s spacing between starts
    third = asyncio.create_task(reply(3))
    await asyncio.sleep(0.3)
    assert entered == [1, 2]  # both slots are taken by replies in flight: the third waits
    release.set()
    await asyncio.wait_for(asyncio.gather(first, second, third), timeout=5)
    assert entered == [1, 2, 3]  # once the first answers have left the window
