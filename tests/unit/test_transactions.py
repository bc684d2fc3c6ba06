"""A transaction cancelled while it begins (a background loop stopped at that moment) leaves the database usable."""

from __future__ import annotations

import asyncio

from storage.db import Database
from storage.records import utc_now


async def test_cancelled_while_beginning_then_the_next_transaction_works(db_url: str) -> None:
    db = await Database.open(db_url)

    async def writes() -> None:
        async with db.transaction() as tx:
            await tx.users.create(1, "zh_CN", utc_now())

    for _ in range(20):  # cancel at whatever point of the BEGIN the loop happens to be
        task = asyncio.create_task(writes())
        await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    async with db.transaction() as tx:
        await tx.users.create(2, "zh_CN", utc_now())
    async with db.transaction() as tx:
        assert await tx.users.get(2) is not None
    await db.close()
