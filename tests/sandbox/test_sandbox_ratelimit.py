"""Flood limits: the sliding-window limiter itself (fake clock) and 429s through real PTB."""

from __future__ import annotations

import asyncio
import datetime as dtm

import httpx
import pytest
from telegram import Bot
from telegram.error import RetryAfter

from sandbox import RateLimits, SandboxClient, SandboxServer, SimUser
from sandbox.ratelimit import RateLimiter

TOKEN = "123456:burst-test"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def send(limiter: RateLimiter, chat_id: int) -> int | None:
    """Like the server: refused sends are not recorded."""
    retry = limiter.retry_after(chat_id)
    if retry is None:
        limiter.record(chat_id)
    return retry


def test_private_chat_one_per_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(), clock)
    assert send(limiter, 1) is None
    clock.now += 0.2
    assert send(limiter, 1) == 1  # 0.8 s left, rounded up
    assert send(limiter, 2) is None  # other chats are independent
    clock.now += 0.8
    assert send(limiter, 1) is None


def test_group_window_and_retry_after_seconds() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(global_per_s=1000), clock)
    for _ in range(20):
        assert send(limiter, -100) is None
        clock.now += 1.0
    # The first send (at t=0) leaves the 60 s window at t=60; now t=20 -> 40 s.
    assert send(limiter, -100) == 40
    clock.now += 39.5
    assert send(limiter, -100) == 1
    clock.now += 0.5
    assert send(limiter, -100) is None


def test_global_limit_and_custom_limits() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(global_per_s=3, per_chat_per_s=2), clock)
    assert [send(limiter, chat) for chat in (1, 1, 1, 2, 3)] == [None, None, 1, None, 1]
    clock.now += 1.0
    assert send(limiter, 3) is None


def test_a_private_chat_takes_a_short_burst_then_one_per_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(per_chat_burst=3), clock)
    assert [send(limiter, 1) for _ in range(4)] == [None, None, None, 1]
    clock.now += 0.5
    assert send(limiter, 1) == 1  # half a message refilled: not yet
    clock.now += 0.5
    assert send(limiter, 1) is None  # then one per second, not another burst at once
    assert send(limiter, 1) == 1
    clock.now += 2.5  # refills up to the burst again, never beyond it
    assert [send(limiter, 1) for _ in range(3)] == [None, None, 1]
    clock.now += 60
    assert [send(limiter, 1) for _ in range(4)] == [None, None, None, 1]


def test_limits_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RateLimits(per_chat_burst=0)


async def test_a_burst_to_one_chat_gets_429_with_retry_after_like_telegram() -> None:
    async with (
        SandboxServer(enforce_rate_limits=True, limits=RateLimits(per_chat_burst=3)) as server,
        SandboxClient(server.base_url) as sandbox,
        httpx.AsyncClient(base_url=f"{server.base_url}/bot{TOKEN}") as http,
    ):
        user = await sandbox.user()
        await user.send_text("hi")
        answers = [await http.post("/sendMessage", json={"chat_id": user.id, "text": f"第{n}条"}) for n in range(5)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
        assert answers[3].json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }
        assert [m.text for m in await user.messages()] == ["第0条", "第1条", "第2条"]
        other = await sandbox.user()
        await other.send_text("hi")
        assert (await http.post("/sendMessage", json={"chat_id": other.id, "text": "别人"})).status_code == 200
        await asyncio.sleep(1.05)
        assert (await http.post("/sendMessage", json={"chat_id": user.id, "text": "等了一秒"})).status_code == 200
        assert (await sandbox.stats())["http_429"] == 2


@pytest.fixture
async def users(sandbox: SandboxClient, bot: Bot) -> list[SimUser]:
    """40 users who have all started the bot."""
    created = [await sandbox.user() for _ in range(40)]
    for user in created:
        await user.send_command("start")
    await bot.get_updates(offset=-1)
    return created


async def test_forty_chats_at_once(
    bot: Bot, sandbox: SandboxClient, users: list[SimUser], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as timedelta, no warning
    await sandbox.set_rate_limits(True)
    results = await asyncio.gather(*(bot.send_message(user.id, "通知") for user in users), return_exceptions=True)
    refused = [r for r in results if isinstance(r, RetryAfter)]
    assert len(results) - len(refused) == 30 and len(refused) == 10
    assert all(r.retry_after == dtm.timedelta(seconds=1) for r in refused)
    stats = await sandbox.stats()
    assert stats["http_429"] == 10 and stats["messages_delivered"] == 30
    assert stats["requests"]["sendMessage"] == 40
    # Edits and callback answers are not sends; they are not limited.
    sent = next(r for r in results if not isinstance(r, BaseException))
    await bot.edit_message_text("改", chat_id=sent.chat.id, message_id=sent.message_id)


async def test_two_quick_sends_to_one_chat(
    bot: Bot, sandbox: SandboxClient, user: SimUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    await sandbox.set_rate_limits(True)
    await bot.send_message(user.id, "一")
    with pytest.raises(RetryAfter) as refused:
        await bot.send_photo(user.id, "http://127.0.0.1:9/x.png")
    assert refused.value.retry_after == dtm.timedelta(seconds=1)
    assert [m.text for m in await user.messages()] == ["一"]  # the refused one was not delivered
    await sandbox.set_rate_limits(False)
    await bot.send_message(user.id, "二")
