"""A real PTB Application polling the sandbox, driven by simulated users."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sandbox import SandboxClient, SandboxError, SandboxServer

TOKEN = "123456:TEST-token_for-sandbox"


def build_app(server: SandboxServer, seen_update_ids: list[int]) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{server.base_url}/bot")
        .base_file_url(f"{server.base_url}/file/bot")
        .build()
    )

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen_update_ids.append(update.update_id)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("报名", callback_data="signup")]])
        await update.effective_message.reply_text(f"欢迎 {context.args}", reply_markup=keyboard)

    async def share(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        button = KeyboardButton("发送手机号", request_contact=True)
        await update.effective_message.reply_text("请分享手机号", reply_markup=ReplyKeyboardMarkup([[button]]))

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text is not None
        await update.effective_chat.send_action("typing")  # type: ignore[union-attr]
        await update.effective_message.reply_text(f"你说: {update.effective_message.text}")

    async def contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.contact is not None
        own = message.contact.user_id == message.from_user.id  # type: ignore[union-attr]
        await message.reply_text(f"收到 {message.contact.phone_number} own={own}")

    async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        data = await (await message.photo[-1].get_file()).download_as_bytearray()
        await message.reply_text(f"图片 {len(data)} 字节, 前缀 {bytes(data[:4])!r}")

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("已报名")
        await query.edit_message_text("已报名 ✅")

    app.add_handler(MessageHandler(filters.ALL, record), group=-1)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("share", share))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(filters.CONTACT, contact))
    app.add_handler(MessageHandler(filters.PHOTO, photo))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


class RunningBot:
    """Starts/stops fresh Application instances polling the sandbox, like restarting the bot."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.seen_update_ids: list[int] = []  # every update any handler got, across restarts
        self.app: Application | None = None  # type: ignore[type-arg]

    async def start(self) -> None:
        self.app = build_app(self.server, self.seen_update_ids)
        await self.app.initialize()
        await self.app.start()
        assert self.app.updater is not None
        await self.app.updater.start_polling(timeout=1, poll_interval=0)

    async def stop(self) -> None:
        app, self.app = self.app, None
        if app is not None and app.updater is not None:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()


@pytest.fixture
async def running_app(server: SandboxServer) -> AsyncIterator[RunningBot]:
    running = RunningBot(server)
    await running.start()
    yield running
    await running.stop()


async def test_text_round_trip_and_chat_action(running_app: RunningBot, sandbox: SandboxClient) -> None:
    user = await sandbox.user()
    await user.send_text("你好")
    [reply] = await user.wait_for_messages(1)
    # PTB 22 only quotes (reply_to_message) in groups by default, not in private chats.
    assert reply.text == "你说: 你好" and reply.reply_to is None
    assert await user.chat_actions() == ["typing"]
    await user.expect_silence(0.2)


async def test_command_press_answer_and_edit(running_app: RunningBot, sandbox: SandboxClient) -> None:
    user = await sandbox.user()
    await user.send_command("start", "ref_1")
    [welcome] = await user.wait_for_messages(1)
    assert welcome.text == "欢迎 ['ref_1']" and welcome.button_texts() == ["报名"]
    answer = await user.press("报名")
    assert answer is not None and answer.text == "已报名" and not answer.show_alert
    edited = await user.wait_for_edit(welcome.message_id)
    assert edited.text == "已报名 ✅" and edited.edits == 1
    assert edited.inline_keyboard == []  # edit_message_text without reply_markup drops the keyboard
    with pytest.raises(SandboxError, match=r"no bot message in chat .* has an inline button"):
        await user.press("报名")


async def test_reply_keyboard_contact_and_photo_download(running_app: RunningBot, sandbox: SandboxClient) -> None:
    user = await sandbox.user()
    await user.send_command("share")
    [prompt] = await user.wait_for_messages(1)
    assert prompt.reply_keyboard is not None and prompt.reply_keyboard[0][0].request_contact
    await user.press_reply_button("发送手机号")
    [got] = await user.wait_for_messages(1)
    assert got.text == f"收到 {user.phone_number} own=True"
    await user.send_photo(caption="看看")
    [photo_reply] = await user.wait_for_messages(1)
    assert photo_reply.text is not None and photo_reply.text.endswith("前缀 b'\\x89PNG'")


async def test_updates_are_not_delivered_twice(running_app: RunningBot, sandbox: SandboxClient) -> None:
    user = await sandbox.user()
    for n in range(3):
        await user.send_text(f"m{n}")
    assert [m.text for m in await user.wait_for_messages(3)] == ["你说: m0", "你说: m1", "你说: m2"]
    # Restart the bot: PTB confirmed the offset on shutdown, so nothing is redelivered.
    await running_app.stop()
    await running_app.start()
    await user.send_text("again")
    assert [m.text for m in await user.wait_for_messages(1)] == ["你说: again"]
    await user.expect_silence(0.2)
    seen = running_app.seen_update_ids
    assert len(seen) == len(set(seen)) == 4
    stats = await sandbox.stats()
    assert stats["updates_created"] == stats["updates_delivered"] == 4
