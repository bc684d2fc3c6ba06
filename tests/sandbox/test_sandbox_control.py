"""The control API / SandboxClient itself, and ``python -m sandbox``."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import httpx
import pytest
from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from sandbox import SandboxClient, SandboxError, SimUser

URL_ONLY = InlineKeyboardMarkup([[InlineKeyboardButton("官网", url="https://example.org")]])


async def test_users_are_created_or_returned(sandbox: SandboxClient) -> None:
    first, second = await sandbox.user(), await sandbox.user(first_name="李四", username="lisi")
    assert second.id == first.id + 1 and second.first_name == "李四" and second.username == "lisi"
    again = await sandbox.user(first.id, first_name="ignored")
    assert again.id == first.id and again.first_name == "张三"
    chosen = await sandbox.user(42, language_code=None, phone_number="+8613012345678")
    assert (chosen.id, chosen.language_code, chosen.phone_number) == (42, None, "+8613012345678")
    with pytest.raises(SandboxError, match=r"user ids must be positive"):
        await sandbox.user(-5)


async def test_wait_for_messages_cursor_and_timeouts(bot: Bot, user: SimUser) -> None:
    for n in range(3):
        await bot.send_message(user.id, f"第{n}条")
    assert [m.text for m in await user.wait_for_messages(2)] == ["第0条", "第1条"]
    assert [m.text for m in await user.wait_for_messages(1)] == ["第2条"]
    await bot.send_message(user.id, "最后")
    with pytest.raises(AssertionError, match=r"expected silence, but the bot sent:\n#5 最后"):
        await user.expect_silence(0.1)
    await user.wait_for_messages(1)
    with pytest.raises(TimeoutError, match=r"expected 1 new bot message\(s\) within 0.1s, got 0:\n\(nothing\)"):
        await user.wait_for_messages(1, timeout=0.1)
    with pytest.raises(TimeoutError, match=r"message 2 was not edited within 0.1s:\n#2 第0条"):
        await user.wait_for_edit(2, timeout=0.1)
    assert len(await user.messages()) == 4


async def test_wait_for_messages_is_woken_by_the_bot(bot: Bot, user: SimUser) -> None:
    waiting = asyncio.create_task(user.wait_for_messages(1, timeout=5))
    await asyncio.sleep(0.05)
    await bot.send_message(user.id, "来了")
    assert [m.text for m in await asyncio.wait_for(waiting, 1)] == ["来了"]


async def test_press_errors(bot: Bot, user: SimUser) -> None:
    with pytest.raises(SandboxError, match=r"no bot message in chat .* has an inline button 'x'"):
        await user.press("x")
    sent = await bot.send_message(user.id, "链接", reply_markup=URL_ONLY)
    with pytest.raises(SandboxError, match=r"'官网' is not a callback button \(url\)"):
        await user.press("官网")
    with pytest.raises(
        SandboxError, match=rf"message {sent.message_id} has no inline button 'x'; its buttons: \[官网\]"
    ):
        await user.press("x", message_id=sent.message_id)
    with pytest.raises(SandboxError, match=r"no \(undeleted\) bot message 99"):
        await user.press("x", message_id=99)


async def test_reply_keyboard_buttons(bot: Bot, user: SimUser) -> None:
    with pytest.raises(SandboxError, match=r"no reply keyboard is shown"):
        await user.press_reply_button("帮助")
    keyboard = ReplyKeyboardMarkup([["帮助", KeyboardButton("位置", request_location=True)]])
    await bot.send_message(user.id, "菜单", reply_markup=keyboard)
    with pytest.raises(SandboxError, match=r"reply keyboard has no button '联系'; its buttons: \[帮助\] \[位置\]"):
        await user.press_reply_button("联系")
    await user.press_reply_button("帮助")
    await user.press_reply_button("位置", latitude=30.0, longitude=120.0)
    text, location = [u.message for u in await bot.get_updates()]
    assert text is not None and text.text == "帮助"
    assert location is not None and location.location is not None and location.location.longitude == 120.0


async def test_user_replies_to_a_force_reply_prompt(bot: Bot, user: SimUser) -> None:
    prompt = await bot.send_message(user.id, "您的姓名?", reply_markup=ForceReply())
    await user.send_text("张三", reply_to=prompt.message_id)
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.reply_to_message is not None
    assert update.message.reply_to_message.message_id == prompt.message_id
    with pytest.raises(SandboxError, match="no message 99 to reply to"):
        await user.send_text("x", reply_to=99)


async def test_blocked_user_cannot_write_and_stats(bot: Bot, user: SimUser, sandbox: SandboxClient) -> None:
    await user.block()
    with pytest.raises(SandboxError, match=r"has blocked the bot"):
        await user.send_text("hi")
    await user.block(False)
    stats = await sandbox.stats()
    assert stats["updates_created"] == 3  # /start + my_chat_member kicked + member
    assert stats["requests"]["getUpdates"] == 2 and stats["requests"]["getMe"] == 1
    info = await sandbox.bot_info()
    assert info["id"] == bot.id and info["username"] == "sanshe_bot" and info["pending_updates"] == 2


async def test_unknown_user_and_bad_bodies(sandbox: SandboxClient, server_url: str) -> None:
    with pytest.raises(SandboxError, match=r"no simulated user 7"):
        await sandbox.request("GET", "/sandbox/users/7")
    user = await sandbox.user()
    with pytest.raises(SandboxError, match=r"body needs one of"):
        await sandbox.request("POST", f"/sandbox/users/{user.id}/messages", json={"poll": {}})
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{server_url}/sandbox/users", content=b"not json")
    assert response.status_code == 400 and response.json() == {"ok": False, "error": "body must be JSON"}


@pytest.fixture
def server_url(server: object) -> str:
    return server.base_url  # type: ignore[attr-defined,no-any-return]


async def test_cli_runs_and_stops_cleanly_on_ctrl_c() -> None:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "sandbox", "--port", "0"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        url = line.strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:")
        async with SandboxClient(url) as client:
            assert (await client.user()).id > 0
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), 10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    assert b"Traceback" not in stderr
