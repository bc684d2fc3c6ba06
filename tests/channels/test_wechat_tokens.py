"""AccessTokens on a real database: one fetch for all workers, a refresh before expiry, a fetch after invalidate.

Two workers are two Database objects on the same database (two connections, as two processes would have)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from channels.wechat.errors import WeChatError
from channels.wechat.tokens import AccessTokens
from storage.db import Database

START = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class CountingFetch:
    """A stand-in for gettoken: a new token each time, after a short wait (to let the workers overlap)."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> tuple[str, int]:
        self.calls += 1
        token = f"token-{self.calls}"
        await asyncio.sleep(0.05)
        return token, 7200


@pytest.fixture
async def workers(db_url: str) -> AsyncIterator[tuple[Database, Database]]:
    first, second = await Database.open(db_url), await Database.open(db_url, migrate=False)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def test_concurrent_workers_fetch_once(workers: tuple[Database, Database]) -> None:
    clock, fetch = Clock(), CountingFetch()
    a = AccessTokens(workers[0], "corp", fetch, clock)
    b = AccessTokens(workers[1], "corp", fetch, clock)
    tokens = await asyncio.gather(a.get(), b.get(), a.get(), b.get())
    assert tokens == ["token-1"] * 4
    assert fetch.calls == 1
    async with workers[1].transaction() as tx:
        assert await tx.wechat.token("corp") == ("token-1", START + timedelta(seconds=7200))


async def test_a_token_near_expiry_is_refreshed_once(workers: tuple[Database, Database]) -> None:
    clock, fetch = Clock(), CountingFetch()
    a = AccessTokens(workers[0], "corp", fetch, clock)
    b = AccessTokens(workers[1], "corp", fetch, clock)
    assert await a.get() == "token-1"
    clock.now = START + timedelta(seconds=7200) - timedelta(minutes=5, seconds=1)  # just outside the margin
    assert await asyncio.gather(a.get(), b.get()) == ["token-1", "token-1"]
    assert fetch.calls == 1
    clock.now += timedelta(seconds=2)  # inside the margin: both cached copies are too old
    assert await asyncio.gather(a.get(), b.get()) == ["token-2", "token-2"]
    assert fetch.calls == 2


async def test_invalidate_then_get_fetches_again(workers: tuple[Database, Database]) -> None:
    clock, fetch = Clock(), CountingFetch()
    a = AccessTokens(workers[0], "corp", fetch, clock)
    b = AccessTokens(workers[1], "corp", fetch, clock)
    assert await a.get() == "token-1"
    await a.invalidate("token-1")
    assert await a.get() == "token-2"
    assert fetch.calls == 2
    # b still holds nothing; a late invalidate of the old token does not drop the new one.
    await b.invalidate("token-1")
    assert await b.get() == "token-2"
    assert fetch.calls == 2


async def test_apps_have_their_own_tokens(workers: tuple[Database, Database]) -> None:
    clock, fetch = Clock(), CountingFetch()
    corp = AccessTokens(workers[0], "corp", fetch, clock)
    mp = AccessTokens(workers[0], "mp", fetch, clock)
    assert {await corp.get(), await mp.get()} == {"token-1", "token-2"}


async def test_a_failed_fetch_saves_nothing(workers: tuple[Database, Database]) -> None:
    clock = Clock()

    async def failing() -> tuple[str, int]:
        raise RuntimeError("gettoken is down")

    with pytest.raises(RuntimeError):
        await AccessTokens(workers[0], "corp", failing, clock).get()
    async with workers[0].transaction() as tx:
        assert await tx.wechat.token("corp") is None


async def test_a_slow_fetch_gives_up_without_holding_the_lock(workers: tuple[Database, Database]) -> None:
    clock = Clock()

    async def slow() -> tuple[str, int]:
        await asyncio.sleep(10)
        return "late", 7200

    with pytest.raises(WeChatError) as caught:
        await AccessTokens(workers[0], "corp", slow, clock, fetch_timeout=0.1).get()
    assert caught.value.kind == "retry"
    fetch = CountingFetch()
    assert await AccessTokens(workers[1], "corp", fetch, clock).get() == "token-1"
