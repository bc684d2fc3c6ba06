"""What simulated users do: send messages, press buttons, block the bot.

Every action becomes a Bot API update (``message``, ``callback_query``, ``my_chat_member``)
queued for the bot exactly as Telegram would build it, e.g. a leading ``/command`` gets a
``bot_command`` entity and a request_contact button sends the user's own contact.
Used by ``sandbox.control``; raises :class:`ControlError` (HTTP status + message) on misuse.

Simplifications: a ``one_time_keyboard`` stays usable after a tap (in Telegram it only
collapses and can be reopened); users cannot edit or delete their own messages.
"""

from __future__ import annotations

import base64
import copy
import time
from typing import Any

from sandbox.formatting import command_entities
from sandbox.markup import inline_buttons, reply_buttons
from sandbox.media import user_document, user_photo, user_sticker, user_voice
from sandbox.state import BotState, CallbackRecord, Chat, SimUserRecord, StoredMessage, World, now

DEFAULT_LOCATION = (39.9042, 116.4074)  # Beijing, used by request_location buttons


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def create_user(world: World, body: dict[str, Any]) -> SimUserRecord:
    user_id = body.get("id")
    if user_id is not None and int(user_id) in world.users:
        return world.users[int(user_id)]
    user_id = int(user_id) if user_id is not None else world.new_user_id()
    if user_id <= 0:
        raise ControlError(400, "user ids must be positive (negative ids are groups)")
    user = SimUserRecord(
        id=user_id,
        first_name=str(body.get("first_name") or "张三"),
        last_name=body.get("last_name"),
        username=body.get("username"),
        language_code=body.get("language_code"),
        phone_number=str(body.get("phone_number") or f"+86138{user_id % 10**8:08d}"),
    )
    world.users[user_id] = user
    return user


def _button_label(button: dict[str, Any]) -> str:
    return f"[{button.get('text')}]"


def _user_chat(bot: BotState, user: SimUserRecord) -> Chat:
    chat = bot.chat(user)
    if chat.blocked:
        raise ControlError(409, f"user {user.id} has blocked the bot; unblock it first (block(False))")
    return chat


def send(world: World, bot: BotState, user: SimUserRecord, body: dict[str, Any]) -> dict[str, Any]:
    """Post a user message built from a control-API body; ``reply_to`` quotes a message."""
    chat = _user_chat(bot, user)
    content, kind = _content(world, user, body)
    if body.get("reply_to") is not None:
        target = chat.messages.get(int(body["reply_to"]))
        if target is None or target.deleted:
            raise ControlError(404, f"no message {body['reply_to']} to reply to in chat {chat.id}")
        content["reply_to_message"] = {k: v for k, v in target.data.items() if k != "reply_to_message"}
    message = chat.add(user.user_json(), content, from_bot=False, kind=kind)
    update_id = bot.push_update("message", message.data)
    return {"message_id": message.message_id, "update_id": update_id}


def _content(world: World, user: SimUserRecord, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """One of text / contact / location / photo / voice / sticker."""
    if "text" in body:
        text = str(body["text"])
        if not text:
            raise ControlError(400, "text must be non-empty")
        entities = command_entities(text)
        return {"text": text, **({"entities": entities} if entities else {})}, "text"
    if "contact" in body:
        spec = body["contact"]
        own = bool(spec.get("own", True))
        contact: dict[str, Any] = {"phone_number": str(spec["phone_number"])}
        contact["first_name"] = user.first_name if own else str(spec.get("first_name") or "联系人")
        if own:
            if user.last_name:
                contact["last_name"] = user.last_name
            contact["user_id"] = user.id
        return {"contact": contact}, "contact"
    if "location" in body:
        spec = body["location"]
        return {"location": {"latitude": float(spec["latitude"]), "longitude": float(spec["longitude"])}}, "location"
    if "photo" in body:
        caption = (body["photo"] or {}).get("caption")
        return {"photo": user_photo(world.files), **({"caption": str(caption)} if caption else {})}, "photo"
    if "voice" in body:
        duration = int((body["voice"] or {}).get("duration", 3))
        return {"voice": user_voice(world.files, duration)}, "voice"
    if "sticker" in body:
        emoji = str((body["sticker"] or {}).get("emoji", "👍"))
        return {"sticker": user_sticker(world.files, emoji)}, "sticker"
    if "document" in body:
        spec = body["document"] or {}
        try:
            data = base64.b64decode(str(spec.get("data", "")), validate=True)
        except ValueError as exc:
            raise ControlError(400, "document.data must be base64") from exc
        document = user_document(world.files, data, str(spec.get("file_name") or "file"), spec.get("mime_type"))
        caption = spec.get("caption")
        return {"document": document, **({"caption": str(caption)} if caption else {})}, "document"
    raise ControlError(400, "body needs one of: text, contact, location, photo, voice, sticker, document")


def _find_inline(chat: Chat, label: str, message_id: int | None) -> tuple[StoredMessage, dict[str, Any]]:
    def match(message: StoredMessage) -> dict[str, Any] | None:
        buttons = inline_buttons(message.data.get("reply_markup"))
        return next((b for b in buttons if label in (b.get("text"), b.get("callback_data"))), None)

    if message_id is not None:
        message = chat.messages.get(message_id)
        if message is None or message.deleted or not message.from_bot:
            raise ControlError(404, f"no (undeleted) bot message {message_id} in chat {chat.id}")
        button = match(message)
        if button is None:
            shown = " ".join(map(_button_label, inline_buttons(message.data.get("reply_markup")))) or "none"
            raise ControlError(404, f"message {message_id} has no inline button {label!r}; its buttons: {shown}")
        return message, button
    for message in sorted(chat.bot_messages(), key=lambda m: -m.message_id):
        button = None if message.deleted else match(message)
        if button is not None:
            return message, button
    raise ControlError(404, f"no bot message in chat {chat.id} has an inline button {label!r}")


def press_inline(
    bot: BotState, user: SimUserRecord, label: str, message_id: int | None, *, forged_data: str | None = None
) -> tuple[str, CallbackRecord]:
    """Press a button the chat shows; or, with ``forged_data``, send that callback data from the given (or
    newest) bot message as a modified client could, whatever its buttons say."""
    chat = _user_chat(bot, user)
    if forged_data is not None:
        message = _forged_on(chat, message_id)
        button: dict[str, Any] = {"callback_data": forged_data}
    else:
        message, button = _find_inline(chat, label, message_id)
    if "callback_data" not in button:
        kinds = ", ".join(k for k in button if k != "text")
        raise ControlError(409, f"button {label!r} is not a callback button ({kinds}); it sends no callback query")
    query_id = bot.new_callback_id()
    record = CallbackRecord(chat_id=chat.id, message_id=message.message_id, created=time.monotonic())
    bot.callbacks[query_id] = record
    bot.push_update(
        "callback_query",
        {
            "id": query_id,
            "from": user.user_json(),
            "message": copy.deepcopy(message.data),
            "chat_instance": str((bot.bot_id or 0) * 31 + chat.id),
            "data": button["callback_data"],
        },
    )
    return query_id, record


def _forged_on(chat: Chat, message_id: int | None) -> StoredMessage:
    candidates = [m for m in chat.bot_messages() if not m.deleted]
    if message_id is not None:
        candidates = [m for m in candidates if m.message_id == message_id]
    if not candidates:
        raise ControlError(404, f"no (undeleted) bot message to attach a callback query to in chat {chat.id}")
    return max(candidates, key=lambda m: m.message_id)


def press_reply(world: World, bot: BotState, user: SimUserRecord, body: dict[str, Any]) -> dict[str, Any]:
    chat = _user_chat(bot, user)
    text = str(body.get("text", ""))
    buttons = reply_buttons(chat.reply_keyboard)
    if not buttons:
        raise ControlError(409, f"no reply keyboard is shown in chat {chat.id}")
    button = next((b for b in buttons if b["text"] == text), None)
    if button is None:
        shown = " ".join(map(_button_label, buttons))
        raise ControlError(404, f"reply keyboard has no button {text!r}; its buttons: {shown}")
    if button.get("request_contact"):
        return send(world, bot, user, {"contact": {"phone_number": user.phone_number, "own": True}})
    if button.get("request_location"):
        lat, lon = body.get("latitude", DEFAULT_LOCATION[0]), body.get("longitude", DEFAULT_LOCATION[1])
        return send(world, bot, user, {"location": {"latitude": lat, "longitude": lon}})
    return send(world, bot, user, {"text": text})


def set_blocked(bot: BotState, user: SimUserRecord, blocked: bool) -> None:
    """Block/unblock; like Telegram, the bot gets a my_chat_member update when it changes."""
    chat = bot.chat(user)
    if chat.blocked == blocked:
        return
    chat.blocked = blocked
    old, new = ("member", "kicked") if blocked else ("kicked", "member")

    def member(status: str) -> dict[str, Any]:
        return {
            "user": bot.user_json(),
            "status": status,
            **({"until_date": 0} if status == "kicked" else {}),
        }

    bot.push_update(
        "my_chat_member",
        {
            "chat": user.chat_json(),
            "from": user.user_json(),
            "date": now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        },
    )


def message_view(message: StoredMessage) -> dict[str, Any]:
    """The control API's flat view of a bot message (what BotMessage is built from)."""
    data, markup = message.data, message.markup or {}
    reply = data.get("reply_to_message")
    return {
        "message_id": message.message_id,
        "date": data["date"],
        "kind": message.kind,
        "text": message.text,
        "html": message.html,
        "parse_mode": message.parse_mode,
        "inline_keyboard": [
            [{"text": b["text"], "callback_data": b.get("callback_data"), "url": b.get("url")} for b in row]
            for row in (data.get("reply_markup") or {}).get("inline_keyboard", [])
        ],
        "reply_keyboard": [
            [
                {
                    "text": b["text"],
                    "request_contact": bool(b.get("request_contact")),
                    "request_location": bool(b.get("request_location")),
                }
                for b in row
            ]
            for row in markup["keyboard"]
        ]
        if "keyboard" in markup
        else None,
        "remove_keyboard": bool(markup.get("remove_keyboard")),
        "force_reply": bool(markup.get("force_reply")),
        "edits": message.edits,
        "deleted": message.deleted,
        "reply_to": reply["message_id"] if reply else None,
        "file_id": _file_id(data),
    }


def _file_id(data: dict[str, Any]) -> str | None:
    if "photo" in data:
        return str(data["photo"][-1]["file_id"])
    if "document" in data:
        return str(data["document"]["file_id"])
    return None
