"""Bot API methods that send, edit and delete messages, plus callbacks, chat actions, files.

sendMessage, sendPhoto, sendDocument, editMessageText, editMessageCaption,
editMessageReplyMarkup, deleteMessage, answerCallbackQuery, sendChatAction, getFile.

Order of checks for sends: chat exists (400 chat not found) → content valid (400) → user has
not blocked the bot (403) → flood limits (429, only when enforced). Only sends that pass all
checks are delivered and counted by the rate limiter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sandbox.errors import NOT_MODIFIED_TEXT, QUERY_TOO_OLD_TEXT, bad_request
from sandbox.formatting import parse_text, utf16_len
from sandbox.markup import validate_inline, validate_markup
from sandbox.media import input_file
from sandbox.methods import Call, method
from sandbox.state import Chat, StoredMessage, now

CALLBACK_QUERY_TTL = 15.0  # seconds a callback query can still be answered
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def _formatted(call: Call, field: str, entities_field: str) -> tuple[str, list[dict[str, Any]], str | None]:
    """(plain text, entities, raw markup or None) for a text/caption parameter."""
    raw = call.params.get_str(field, "") or ""
    parse_mode = call.params.get_str("parse_mode")
    if parse_mode:
        text, entities = parse_text(raw, parse_mode)
        return text, entities, raw
    entities = call.params.get_json(entities_field) or []
    return raw, entities, None


def _text_body(call: Call) -> tuple[dict[str, Any], str | None]:
    text, entities, html = _formatted(call, "text", "entities")
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > 4096:
        raise bad_request("message is too long")
    body: dict[str, Any] = {"text": text}
    if entities:
        body["entities"] = entities
    return body, html


def _caption_body(call: Call) -> tuple[dict[str, Any], str | None]:
    caption, entities, html = _formatted(call, "caption", "caption_entities")
    if utf16_len(caption) > 1024:
        raise bad_request("message caption is too long")
    body: dict[str, Any] = {"caption": caption} if caption else {}
    if caption and entities:
        body["caption_entities"] = entities
    return body, html if caption else None


def _reply_target(call: Call, chat: Chat) -> StoredMessage | None:
    params = call.params
    reply = params.get_json("reply_parameters")
    if isinstance(reply, dict):
        message_id, allow = reply.get("message_id"), bool(reply.get("allow_sending_without_reply"))
    else:
        message_id, allow = (
            params.get_int("reply_to_message_id"),
            params.get_bool("allow_sending_without_reply"),
        )
    if message_id is None:
        return None
    target = chat.messages.get(int(message_id))
    if target is None or target.deleted:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    return target


async def _send(call: Call, kind: str, build: Callable[[], tuple[dict[str, Any], str | None]]) -> dict[str, Any]:
    """Common path of all sends: validate, check block + flood limits, then store + notify."""
    chat = call.chat()
    body, html = build()
    markup = call.params.get_json("reply_markup", "reply keyboard markup")
    markup = validate_markup(markup) if markup is not None else None
    reply = _reply_target(call, chat)
    media = await input_file(call, kind) if kind in ("photo", "document") else None
    call.check_reachable(chat)
    call.check_rate_limit(chat)
    if media is not None:
        body[kind] = media
    if reply is not None:
        body["reply_to_message"] = {k: v for k, v in reply.data.items() if k != "reply_to_message"}
    if markup is not None and "inline_keyboard" in markup:
        body["reply_markup"] = markup  # only inline keyboards are part of a Message object
    message = chat.add(call.bot.user_json(), body, from_bot=True, kind=kind)
    message.markup, message.html = markup, html
    message.parse_mode = call.params.get_str("parse_mode") if html is not None else None
    if markup is not None and "keyboard" in markup:
        chat.reply_keyboard = markup
    elif markup is not None and markup.get("remove_keyboard"):
        chat.reply_keyboard = None
    call.world.stats.counters["messages_delivered"] += 1
    call.bot.chat_changed(chat.id)
    return message.data


@method("sendMessage")
async def send_message(call: Call) -> dict[str, Any]:
    return await _send(call, "text", lambda: _text_body(call))


@method("sendPhoto")
async def send_photo(call: Call) -> dict[str, Any]:
    return await _send(call, "photo", lambda: _caption_body(call))


@method("sendDocument")
async def send_document(call: Call) -> dict[str, Any]:
    return await _send(call, "document", lambda: _caption_body(call))


def _editable(call: Call) -> StoredMessage:
    if call.params.get_str("inline_message_id"):
        raise bad_request("message to edit not found")  # the sandbox has no inline messages
    chat = call.chat()
    message = chat.messages.get(call.params.get_int("message_id", 0) or 0)
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _edit(
    call: Call, message: StoredMessage, changes: dict[str, Any], html: str | None, keys: tuple[str, ...]
) -> dict[str, Any]:
    """Apply an edit; absent reply_markup removes the inline keyboard, exactly like Telegram."""
    markup = call.params.get_json("reply_markup", "reply keyboard markup")
    if markup is not None:
        changes["reply_markup"] = validate_inline(markup)
    keys = (*keys, "reply_markup")
    if all(changes.get(key) == message.data.get(key) for key in keys):
        raise bad_request(NOT_MODIFIED_TEXT)
    for key in keys:
        if changes.get(key):
            message.data[key] = changes[key]
        else:
            message.data.pop(key, None)
    if "reply_markup" in keys:
        message.markup = changes.get("reply_markup")
    if "text" in keys or "caption" in keys:
        message.html = html
        message.parse_mode = call.params.get_str("parse_mode") if html is not None else None
    message.data["edit_date"] = now()
    message.edits += 1
    message.edited_at = time.perf_counter()
    call.bot.chat_changed(int(message.data["chat"]["id"]))
    return message.data


@method("editMessageText")
async def edit_message_text(call: Call) -> dict[str, Any]:
    message = _editable(call)
    body, html = _text_body(call)
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    return _edit(call, message, body, html, ("text", "entities"))


@method("editMessageCaption")
async def edit_message_caption(call: Call) -> dict[str, Any]:
    message = _editable(call)
    body, html = _caption_body(call)
    if message.kind == "text":
        raise bad_request("there is no caption in the message to edit")
    return _edit(call, message, body, html, ("caption", "caption_entities"))


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> dict[str, Any]:
    message = _editable(call)
    return _edit(call, message, {}, message.html, ())


@method("deleteMessage")
async def delete_message(call: Call) -> bool:
    chat = call.chat()
    message = chat.messages.get(call.params.get_int("message_id", 0) or 0)
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    message.deleted = True
    call.bot.chat_changed(chat.id)
    return True


@method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    query_id = call.params.get_str("callback_query_id", "") or ""
    record = call.bot.callbacks.get(query_id)
    if record is None or record.answer is not None or time.monotonic() - record.created > CALLBACK_QUERY_TTL:
        raise bad_request(QUERY_TOO_OLD_TEXT)
    text = call.params.get_str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answer = {
        "text": text,
        "show_alert": call.params.get_bool("show_alert"),
        "url": call.params.get_str("url"),
        "cache_time": call.params.get_int("cache_time", 0),
    }
    call.world.stats.counters["callback_answers"] += 1
    call.bot.chat_changed(record.chat_id)
    return True


@method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    chat = call.chat()
    action = call.params.get_str("action", "") or ""
    if action not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    call.check_reachable(chat)
    chat.actions.append(action)
    call.bot.chat_changed(chat.id)
    return True


@method("getFile")
async def get_file(call: Call) -> dict[str, Any]:
    stored = call.world.files.get(call.params.get_str("file_id", "") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.getfile_json()
