"""A real telegram.Bot against the sandbox: messages, markups, edits, callbacks and errors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from sandbox import InlineButton, ReplyButton, SandboxClient, SandboxServer, SimUser

TOKEN = "123456:TEST-token_for-sandbox"

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("报名", callback_data="signup:1"),
            InlineKeyboardButton("取消", callback_data="cancel"),
        ],
        [InlineKeyboardButton("网站", url="https://example.org/")],
    ]
)


async def test_get_me_and_username(server: SandboxServer, make_bot: Callable[..., Bot]) -> None:
    async with SandboxServer(bot_username="other_bot") as other, make_bot(other) as bot:
        me = await bot.get_me()
    assert (me.id, me.is_bot, me.first_name, me.username) == (123456, True, "Sanshe", "other_bot")
    assert me.can_join_groups is True and me.supports_inline_queries is False
    async with make_bot(server) as bot:
        assert bot.username == "sanshe_bot"


async def test_send_message_with_inline_keyboard(bot: Bot, user: SimUser) -> None:
    sent = await bot.send_message(user.id, "请选择", reply_markup=KEYBOARD)
    assert isinstance(sent, Message)
    assert sent.chat.id == user.id and sent.from_user is not None and sent.from_user.id == bot.id
    assert sent.message_id == 2  # message ids are per chat, shared with the user's "/start" (1)
    assert sent.reply_markup == KEYBOARD
    [seen] = await user.wait_for_messages(1)
    assert seen.text == "请选择" and seen.kind == "text"
    assert seen.inline_keyboard[0] == [InlineButton("报名", "signup:1"), InlineButton("取消", "cancel")]
    assert seen.inline_keyboard[1] == [InlineButton("网站", url="https://example.org/")]
    assert seen.button_texts() == ["报名", "取消", "网站"]
    assert str(seen) == "#2 请选择\n[报名] [取消]\n[网站]"


async def test_reply_keyboards_force_reply_and_replies(bot: Bot, user: SimUser) -> None:
    contact = KeyboardButton("发送手机号", request_contact=True)
    location = KeyboardButton("发送位置", request_location=True)
    keyboard = ReplyKeyboardMarkup([[contact, location], ["帮助"]], resize_keyboard=True, one_time_keyboard=True)
    first = await bot.send_message(user.id, "请分享", reply_markup=keyboard)
    assert first.reply_markup is None  # Telegram only echoes inline keyboards in a Message
    second = await bot.send_message(
        user.id,
        "好的",
        reply_markup=ReplyKeyboardRemove(),
        reply_parameters=ReplyParameters(first.message_id),
    )
    assert second.reply_to_message is not None and second.reply_to_message.message_id == first.message_id
    third = await bot.send_message(user.id, "您的名字?", reply_markup=ForceReply(), reply_to_message_id=1)
    assert third.reply_to_message is not None and third.reply_to_message.text == "/start"
    shown, removed, forced = await user.wait_for_messages(3)
    assert shown.reply_keyboard == [
        [ReplyButton("发送手机号", request_contact=True), ReplyButton("发送位置", request_location=True)],
        [ReplyButton("帮助")],
    ]
    assert removed.remove_keyboard and removed.reply_to == first.message_id
    assert forced.force_reply and forced.reply_to == 1
    with pytest.raises(BadRequest, match=r"Message to be replied not found"):
        await bot.send_message(user.id, "x", reply_to_message_id=999)


async def test_html_and_markdown(bot: Bot, user: SimUser) -> None:
    sent = await bot.send_message(user.id, "<b>加粗</b> &amp; <a href='https://t.me'>链接</a>", parse_mode="HTML")
    assert sent.text == "加粗 & 链接"
    assert sent.text_html == '<b>加粗</b> &amp; <a href="https://t.me">链接</a>'
    [seen] = await user.wait_for_messages(1)
    assert seen.html == "<b>加粗</b> &amp; <a href='https://t.me'>链接</a>" and seen.parse_mode == "HTML"
    md = await bot.send_message(user.id, r"*粗* 结束\.", parse_mode=ParseMode.MARKDOWN_V2)
    assert md.text == "粗 结束." and md.entities[0].type == "bold"
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "foo"'):
        await bot.send_message(user.id, "<foo>x</foo>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r'(?i)can\'t find end tag corresponding to start tag "b"'):
        await bot.send_message(user.id, "<b>x", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)character '.' is reserved"):
        await bot.send_message(user.id, "结束.", parse_mode=ParseMode.MARKDOWN_V2)


async def test_send_errors(bot: Bot, user: SimUser, sandbox: SandboxClient, http: httpx.AsyncClient) -> None:
    stranger = await sandbox.user()  # never talked to the bot
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.send_message(stranger.id, "hi")
    with pytest.raises(BadRequest, match=r"^Message text is empty$"):
        await bot.send_message(user.id, "  ")
    with pytest.raises(BadRequest, match=r"^Message is too long$"):
        await bot.send_message(user.id, "长" * 4097)
    await bot.send_message(user.id, "长" * 4096)
    with pytest.raises(BadRequest, match=r"^Button_data_invalid$"):  # PTB capitalises the description
        await bot.send_message(
            user.id,
            "x",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="y" * 65)]]),
        )
    markup = {"inline_keyboard": [[{"text": "x"}]]}
    response = await http.post(
        f"/bot{TOKEN}/sendMessage", json={"chat_id": user.id, "text": "x", "reply_markup": markup}
    )
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard",
    }
    stats = await sandbox.stats()
    assert stats["http_400"] == 5 and stats["messages_delivered"] == 1


async def test_blocked_user_gets_403(bot: Bot, user: SimUser) -> None:
    await user.block()
    with pytest.raises(Forbidden, match=r"bot was blocked by the user"):
        await bot.send_message(user.id, "hi")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(user.id, "typing")
    [update] = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    await user.block(False)
    await bot.send_message(user.id, "welcome back")
    assert [m.text for m in await user.wait_for_messages(1)] == ["welcome back"]


async def test_edits_and_deletes(bot: Bot, user: SimUser) -> None:
    sent = await bot.send_message(user.id, "旧", reply_markup=KEYBOARD)
    edited = await bot.edit_message_text("新", chat_id=user.id, message_id=sent.message_id, reply_markup=KEYBOARD)
    assert isinstance(edited, Message) and edited.text == "新" and edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"^Message is not modified: specified new message content"):
        await bot.edit_message_text("新", chat_id=user.id, message_id=sent.message_id, reply_markup=KEYBOARD)
    # Like Telegram, an edit without reply_markup removes the inline keyboard.
    plain = await bot.edit_message_text("新", chat_id=user.id, message_id=sent.message_id)
    assert isinstance(plain, Message) and plain.reply_markup is None
    marked = await bot.edit_message_reply_markup(user.id, sent.message_id, reply_markup=KEYBOARD)
    assert isinstance(marked, Message) and marked.reply_markup == KEYBOARD
    view = await user.wait_for_edit(sent.message_id)
    assert view.edits == 3 and view.text == "新" and view.button_texts() == ["报名", "取消", "网站"]
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=999)
    with pytest.raises(BadRequest, match=r"There is no caption in the message to edit"):
        await bot.edit_message_caption(user.id, sent.message_id, caption="c")
    assert await bot.delete_message(user.id, sent.message_id) is True
    with pytest.raises(BadRequest, match=r"^Message to delete not found$"):
        await bot.delete_message(user.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=sent.message_id)
    [final] = await user.messages()
    assert final.deleted and "(deleted, edited 3x)" in str(final)


async def test_answer_callback_query(bot: Bot, user: SimUser) -> None:
    sent = await bot.send_message(user.id, "请选择", reply_markup=KEYBOARD)

    async def answer_next() -> None:
        [update] = await bot.get_updates(timeout=2)
        query = update.callback_query
        assert query is not None and query.data == "signup:1" and query.from_user.id == user.id
        assert query.message is not None and query.message.message_id == sent.message_id
        assert await query.answer("已报名", show_alert=True) is True
        with pytest.raises(BadRequest, match=r"^Query is too old and response timeout expired"):
            await query.answer("again")
        await bot.get_updates(offset=update.update_id + 1)

    answering = asyncio.create_task(answer_next())
    answer = await user.press("报名")
    await answering
    assert answer is not None and (answer.text, answer.show_alert) == ("已报名", True)
    with pytest.raises(BadRequest, match=r"^Query is too old"):
        await bot.answer_callback_query("12345")
    # Nobody answers this one: press() gives up and returns None.
    assert await user.press("cancel", message_id=sent.message_id, timeout=0.2) is None


async def test_chat_actions_commands_and_descriptions(bot: Bot, user: SimUser, sandbox: SandboxClient) -> None:
    assert await bot.send_chat_action(user.id, "typing") is True
    assert await bot.send_chat_action(user.id, "upload_photo") is True
    with pytest.raises(BadRequest, match=r"Wrong parameter action"):
        await bot.send_chat_action(user.id, "dancing")
    assert await user.chat_actions() == ["typing", "upload_photo"]

    default = [BotCommand("start", "开始"), BotCommand("help", "帮助")]
    assert await bot.set_my_commands(default) is True
    assert await bot.set_my_commands([BotCommand("start", "Start")], language_code="en") is True
    private = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands([BotCommand("menu", "菜单")], scope=private)
    assert await bot.get_my_commands() == tuple(default)
    assert [c.command for c in await bot.get_my_commands(language_code="en")] == ["start"]
    assert [c.command for c in await bot.get_my_commands(scope=private)] == ["menu"]
    assert await bot.get_my_commands(scope=BotCommandScopeChat(user.id)) == ()
    with pytest.raises(BadRequest, match=r"Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Command", "x")])
    assert await bot.delete_my_commands(scope=private) is True
    assert await bot.get_my_commands(scope=private) == ()
    info = await sandbox.bot_info()
    assert {(c["language_code"], len(c["commands"])) for c in info["commands"]} == {("", 2), ("en", 1)}

    assert await bot.set_my_description("三社联动服务机器人") is True
    assert await bot.set_my_short_description("社区服务") is True
    assert (await bot.get_my_description()).description == "三社联动服务机器人"
    assert (await bot.get_my_short_description()).short_description == "社区服务"
    assert await bot.close() is True
    assert await bot.log_out() is True
