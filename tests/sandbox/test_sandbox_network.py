"""The sandbox as a network: a round trip added to Bot API requests, and long polls woken only by what they watch."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from telegram import Bot

from sandbox import SandboxClient, SandboxServer

TOKEN = "123456:TEST-token_for-sandbox"  # the primary bot of tests/sandbox/conftest.py
OTHER_TOKEN = "654321:other-bot"
LATENCY_MS = 200
BotFactory = Callable[..., Bot]


@pytest.fixture
async def slow_server() -> AsyncIterator[SandboxServer]:
    async with SandboxServer(latency_ms=LATENCY_MS) as running:
        yield running


async def _timed(http: httpx.AsyncClient, path: str, **body: object) -> tuple[float, dict[str, object]]:
    started = time.perf_counter()
    response = await http.post(path, json=body, timeout=30)
    return time.perf_counter() - started, response.json()


async def test_every_bot_api_request_takes_the_round_trip_and_requests_overlap(slow_server: SandboxServer) -> None:
    async with httpx.AsyncClient(base_url=slow_server.base_url) as http, SandboxClient(slow_server.base_url) as sandbox:
        elapsed, body = await _timed(http, f"/bot{TOKEN}/getMe")
        assert body["ok"] is True and elapsed >= LATENCY_MS / 1000
        elapsed, body = await _timed(http, f"/bot{TOKEN}/noSuchMethod")  # an error travels as far
        assert body["error_code"] == 404 and elapsed >= LATENCY_MS / 1000

        started = time.perf_counter()
        user = await sandbox.user()  # the control API plays the users' side: no network added
        assert time.perf_counter() - started < LATENCY_MS / 1000
        await user.send_text("hi")

        # Ten sends at once take about one round trip, not ten: nothing serialises them.
        started = time.perf_counter()
        sends = [http.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": user.id, "text": f"{n}"}) for n in range(10)]
        answers = await asyncio.gather(*sends)
        elapsed = time.perf_counter() - started
        assert all(a.json()["ok"] for a in answers)
        assert LATENCY_MS / 1000 <= elapsed < 3 * LATENCY_MS / 1000

        await sandbox.set_latency(0)
        elapsed, _ = await _timed(http, f"/bot{TOKEN}/getMe")
        assert elapsed < LATENCY_MS / 1000


async def test_a_long_poll_pays_the_round_trip_once(slow_server: SandboxServer) -> None:
    async with httpx.AsyncClient(base_url=slow_server.base_url) as http, SandboxClient(slow_server.base_url) as sandbox:
        await _timed(http, f"/bot{TOKEN}/getMe")
        # Empty: the poll's own timeout plus one round trip.
        elapsed, body = await _timed(http, f"/bot{TOKEN}/getUpdates", timeout=1)
        assert body["result"] == []
        assert 1 + LATENCY_MS / 1000 <= elapsed < 1 + 2 * LATENCY_MS / 1000

        # An update arriving mid-poll reaches the bot half a round trip later, however many changes woke it.
        user = await sandbox.user()
        poll = asyncio.create_task(_timed(http, f"/bot{TOKEN}/getUpdates", timeout=5))
        await asyncio.sleep(0.5)
        await user.send_text("你好")
        sent = time.perf_counter()
        _, body = await poll
        arrived = time.perf_counter() - sent
        assert [u["message"]["text"] for u in body["result"]] == ["你好"]  # type: ignore[attr-defined,index]
        assert LATENCY_MS / 2000 <= arrived < LATENCY_MS / 1000


async def test_latency_through_python_telegram_bot(slow_server: SandboxServer, make_bot: BotFactory) -> None:
    bot: Bot = make_bot(slow_server)
    started = time.perf_counter()
    async with bot:  # initialize() is one getMe
        await bot.get_my_commands()
    assert time.perf_counter() - started >= 2 * LATENCY_MS / 1000


def test_negative_latency_is_refused() -> None:
    with pytest.raises(ValueError, match="latency_ms"):
        SandboxServer(latency_ms=-1)


async def test_an_update_for_one_bot_does_not_wake_another_bots_long_poll(
    server: SandboxServer, sandbox: SandboxClient, bot: Bot, make_bot: BotFactory
) -> None:
    other: Bot = make_bot(server, OTHER_TOKEN)
    async with other:
        other_id = other.id
        poll = asyncio.create_task(other.get_updates(timeout=10))
        await asyncio.sleep(0.3)  # parked
        before = (await sandbox.stats())["long_poll_wakeups"]
        users = [await sandbox.user() for _ in range(5)]
        for user in users:
            await user.send_text("给第一个机器人")  # updates for the primary bot
        await asyncio.sleep(0.2)
        assert (await sandbox.stats())["long_poll_wakeups"] == before
        assert not poll.done()

        async with SandboxClient(server.base_url, bot_id=other_id) as to_other:
            await (await to_other.user(users[0].id)).send_text("给第二个机器人")
        updates = await asyncio.wait_for(poll, 5)
        assert [u.message.text for u in updates if u.message] == ["给第二个机器人"]
        assert (await sandbox.stats())["long_poll_wakeups"] == before + 1


async def test_a_message_to_one_chat_wakes_only_that_chats_waiter(sandbox: SandboxClient, bot: Bot) -> None:
    first, second = await sandbox.user(), await sandbox.user()
    for user in (first, second):
        await user.send_text("hi")
    await bot.get_updates(offset=-1)
    waits = [asyncio.create_task(user.wait_for_messages(1, timeout=10)) for user in (first, second)]
    await asyncio.sleep(0.3)
    before = (await sandbox.stats())["long_poll_wakeups"]
    await bot.send_message(first.id, "只给第一位")
    (got,) = await asyncio.wait_for(waits[0], 5)
    assert got.text == "只给第一位"
    assert (await sandbox.stats())["long_poll_wakeups"] == before + 1
    assert not waits[1].done()
    await bot.send_message(second.id, "第二位")
    assert [m.text for m in await asyncio.wait_for(waits[1], 5)] == ["第二位"]


async def test_stopping_the_server_ends_parked_long_polls_at_once(make_bot: BotFactory) -> None:
    server = SandboxServer()
    await server.start()
    async with SandboxClient(server.base_url) as sandbox:
        user = await sandbox.user()
        bot = make_bot(server)
        await bot.initialize()
        polls = [asyncio.create_task(bot.get_updates(timeout=30)), asyncio.create_task(user.wait_for_messages(1, 30))]
        await asyncio.sleep(0.3)
        started = time.perf_counter()
        await server.stop()
        await asyncio.gather(*polls, return_exceptions=True)
        assert time.perf_counter() - started < 5
        await bot.shutdown()


async def test_cli_options_for_latency_and_limits() -> None:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "sandbox", "--port", "0", "--latency-ms", "120"),
        *("--enforce-rate-limits", "--chat-burst", "3"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        url = (await asyncio.wait_for(process.stdout.readline(), 10)).decode().strip().rsplit(" ", 1)[-1]
        async with SandboxClient(url) as client:
            info = await client.request("GET", "/sandbox")
            limits = await client.request("PUT", "/sandbox/rate-limits", json={"enforce": True})
        assert info["latency_ms"] == 120 and info["enforce_rate_limits"] is True
        assert limits["limits"]["per_chat_burst"] == 3
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.communicate(), 10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
