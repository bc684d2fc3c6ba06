"""getUpdates long polling, offsets, webhooks and the raw HTTP surface (tokens, encodings)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import Conflict, EndPointNotFound, InvalidToken

from sandbox import SandboxClient, SandboxServer, SimUser

TOKEN = "123456:TEST-token_for-sandbox"


async def test_long_poll_returns_as_soon_as_an_update_arrives(bot: Bot, sandbox: SandboxClient) -> None:
    user = await sandbox.user()
    started = time.monotonic()
    polling = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)  # make sure the poll is really waiting on the server
    assert not polling.done()
    await user.send_text("你好")
    [update] = await polling
    assert time.monotonic() - started < 2
    assert update.message is not None and update.message.text == "你好"


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=0.3) == ()
    assert 0.25 < time.monotonic() - started < 2


async def test_offsets_confirm_and_negative_offsets(bot: Bot, sandbox: SandboxClient) -> None:
    user = await sandbox.user()
    for text in ("1", "2", "3", "4"):
        await user.send_text(text)
    updates = await bot.get_updates(limit=2)
    assert [u.message.text for u in updates if u.message] == ["1", "2"]
    # Not confirmed yet: asking again returns the same updates.
    assert [u.update_id for u in await bot.get_updates(limit=2)] == [u.update_id for u in updates]
    rest = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["3", "4"]
    await user.send_text("5")
    # offset=-1: forget everything but the newest update.
    [last] = await bot.get_updates(offset=-1)
    assert last.message is not None and last.message.text == "5"
    assert [u.update_id for u in await bot.get_updates()] == [last.update_id]
    assert await bot.get_updates(offset=last.update_id + 1) == ()


async def test_update_ids_increase_and_allowed_updates_filter(bot: Bot, sandbox: SandboxClient) -> None:
    user = await sandbox.user()
    await user.send_text("a")
    await user.send_text("b")
    first = await bot.get_updates()
    assert first[1].update_id == first[0].update_id + 1
    # From now on only callback queries are wanted; new messages are not even queued.
    await bot.get_updates(offset=first[-1].update_id + 1, allowed_updates=["callback_query"])
    await user.send_text("ignored")
    assert await bot.get_updates(timeout=0.1) == ()
    await bot.get_updates(allowed_updates=[])  # [] restores the default set
    await user.send_text("seen")
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.text == "seen"


async def test_user_media_and_commands_look_like_telegram(bot: Bot, sandbox: SandboxClient) -> None:
    user = await sandbox.user(first_name="李四", last_name="Li", username="lisi", language_code="en")
    await user.send_command("start", "ref_42")
    await user.send_text(f"/help@{bot.username} now")
    await user.send_contact("+8613800000000")
    await user.send_contact("+8613900000000", own=False, first_name="王五")
    await user.send_location(31.23, 121.47)
    await user.send_voice(duration=7)
    await user.send_sticker("🎉")
    start, help_, own, other, location, voice, sticker = [u.message for u in await bot.get_updates()]
    assert start is not None and start.text == "/start ref_42"
    assert start.parse_entities() == {start.entities[0]: "/start"} and start.entities[0].type == "bot_command"
    assert start.from_user is not None and start.from_user.username == "lisi" and start.from_user.last_name == "Li"
    assert help_ is not None and help_.entities[0].length == len(f"/help@{bot.username}")
    assert own is not None and own.contact is not None and own.contact.user_id == user.id
    assert other is not None and other.contact is not None and other.contact.user_id is None
    assert other.contact.first_name == "王五"
    assert location is not None and location.location is not None and location.location.latitude == 31.23
    assert voice is not None and voice.voice is not None and voice.voice.mime_type == "audio/ogg"
    data = await (await voice.voice.get_file()).download_as_bytearray()
    assert bytes(data[:4]) == b"OggS"
    assert sticker is not None and sticker.sticker is not None and sticker.sticker.emoji == "🎉"
    assert [m.message_id for m in (start, help_, own, other)] == [1, 2, 3, 4]


@pytest.fixture
async def webhook_receiver() -> AsyncIterator[tuple[str, asyncio.Queue[tuple[dict[str, object], str | None]]]]:
    """A local HTTP endpoint that fails its first request (to exercise retries), then records."""
    received: asyncio.Queue[tuple[dict[str, object], str | None]] = asyncio.Queue()
    calls = 0

    async def hook(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return web.Response(status=500)
        await received.put((await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/hook", received
    await runner.cleanup()


async def test_webhook_delivery(
    bot: Bot,
    sandbox: SandboxClient,
    webhook_receiver: tuple[str, asyncio.Queue[tuple[dict[str, object], str | None]]],
) -> None:
    url, received = webhook_receiver
    user = await sandbox.user()
    await user.send_text("dropped")
    assert await bot.set_webhook(url, secret_token="s3cret_-x", drop_pending_updates=True) is True
    with pytest.raises(Conflict, match=r"can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    await user.send_text("via webhook")
    payload, secret = await asyncio.wait_for(received.get(), 5)
    assert secret == "s3cret_-x"
    assert payload["message"]["text"] == "via webhook"  # type: ignore[index]
    info = await bot.get_webhook_info()
    assert info.url == url and info.pending_update_count == 0
    assert info.last_error_message is not None and "500" in info.last_error_message  # the first attempt
    stats = await sandbox.stats()
    assert stats["webhook_deliveries"] == 1 and stats["webhook_failures"] == 1
    assert await bot.delete_webhook() is True
    assert (await bot.get_webhook_info()).url == ""
    await user.send_text("polled again")
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.text == "polled again"


async def test_set_webhook_stops_a_running_long_poll(bot: Bot) -> None:
    polling = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    await bot.set_webhook("http://127.0.0.1:9/never")
    with pytest.raises(Conflict):
        await polling
    await bot.delete_webhook()


async def test_tokens_methods_and_encodings(
    server: SandboxServer, http: httpx.AsyncClient, make_bot: Callable[..., Bot], user: SimUser
) -> None:
    response = await http.post("/botnot-a-token/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    response = await http.post(f"/bot{TOKEN}/noSuchMethod")
    assert response.status_code == 404 and response.json()["description"] == "Not Found: method not found"
    with pytest.raises(InvalidToken):
        async with make_bot(server, "nope"):  # initialize() -> getMe -> 401
            pass
    async with make_bot(server) as bot:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("noSuchMethod")
    # Method names are case-insensitive; GET with a query string works, as does a JSON body.
    assert (await http.get(f"/bot{TOKEN}/GETME")).json()["result"]["username"] == "sanshe_bot"
    sent = await http.get(f"/bot{TOKEN}/sendmessage", params={"chat_id": str(user.id), "text": "q"})
    assert sent.json()["result"]["text"] == "q"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    body = {"chat_id": user.id, "text": "123", "reply_markup": markup}
    sent = await http.post(f"/bot{TOKEN}/sendMessage", json=body)
    assert sent.json()["result"]["text"] == "123" and sent.json()["result"]["reply_markup"] == markup
    # Form encoding as PTB does it: non-strings JSON-encoded, a numeric-looking text stays text.
    form = {"chat_id": str(user.id), "text": "456", "reply_markup": json.dumps(markup)}
    sent = await http.post(f"/bot{TOKEN}/sendMessage", data=form)
    assert sent.json()["result"]["text"] == "456"
    # Another token = another bot with its own chats: this user never talked to bot 999.
    other = await http.post("/bot999:other/sendMessage", data={"chat_id": str(user.id), "text": "x"})
    assert other.json()["description"] == "Bad Request: chat not found"


async def test_webhook_delivers_chats_side_by_side_and_each_chat_in_order(bot: Bot, sandbox: SandboxClient) -> None:
    arrived: list[str] = []
    release_first = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        text = (await request.json())["message"]["text"]
        arrived.append(text)
        if text == "A1":  # a slow answer for chat A's first update
            await release_first.wait()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/hook", max_connections=10)
        first, second = await sandbox.user(), await sandbox.user()
        await first.send_text("A1")
        await first.send_text("A2")
        await second.send_text("B1")
        for _ in range(200):
            if "B1" in arrived:
                break
            await asyncio.sleep(0.01)
        assert arrived == ["A1", "B1"]  # B1 did not wait for A1's answer; A2 does
        release_first.set()
        for _ in range(200):
            if len(arrived) == 3:
                break
            await asyncio.sleep(0.01)
        assert arrived == ["A1", "B1", "A2"]
        await bot.delete_webhook()
    finally:
        await runner.cleanup()
