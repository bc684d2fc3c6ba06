"""What a WeChat person sent, as the update the dialog understands.

The dialog rules live once, in handlers/ and core/, and read updates in the Bot API's shape; a WeChat message
becomes such an update here: words stay words, a typed number or a tapped menu item that picks a choice becomes
the press of that button (a callback query on the message that offered it), a first visit becomes /start, a
location stays a location, a picture or a voice note becomes one (the dialog keeps it as an attachment).
Nothing here reaches the network or the database: `resolve` is given the choices the person was offered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.i18n import fold
from channels.wechat.render import Choice, parse_menu_id, typed_number

MAX_TEXT_CHARS = 4096  # as much as a Telegram message may carry; longer text is cut, not refused
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?=\s|$)")
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what Telegram allows after ?start=


@dataclass(frozen=True)
class Picked:
    message_id: int  # the message that offered the choice
    choice: Choice


@dataclass(frozen=True)
class Offered:
    """Choices the person was offered: those of one message (by its id)."""

    message_id: int
    choices: Sequence[Choice]


def resolve(text: str, menu_id: str | None, latest: Offered | None, tapped: Offered | None) -> Picked | None:
    """Which choice, if any, the person's words pick: a tapped menu item (`tapped`: the choices of the message
    the item's id names), a number of the newest choices, or their exact words."""
    if menu_id:
        parsed = parse_menu_id(menu_id)
        if parsed is not None and tapped is not None and tapped.message_id == parsed[0]:
            number = parsed[1]
            if 1 <= number <= len(tapped.choices):
                return Picked(tapped.message_id, tapped.choices[number - 1])
    if latest is None or not latest.choices:
        return None
    number = typed_number(text)
    if number is not None:
        if 1 <= number <= len(latest.choices):
            return Picked(latest.message_id, latest.choices[number - 1])
        return None
    wanted = fold(text)
    for choice in latest.choices:
        if wanted and fold(choice["label"]) == wanted:
            return Picked(latest.message_id, choice)
    return None


def _person(person_id: int, name: str) -> dict[str, Any]:
    # zh-hans: WeChat does not tell the person's language; Sanshe speaks Chinese first.
    return {"id": person_id, "is_bot": False, "first_name": name, "language_code": "zh-hans"}


def _message(update_id: int, person_id: int, sent_at: int, name: str, **content: Any) -> dict[str, Any]:
    return {
        "message_id": update_id % 1_000_000_000,
        "date": sent_at,
        "chat": {"id": person_id, "type": "private", "first_name": name},
        "from": _person(person_id, name),
        **content,
    }


def text_update(update_id: int, person_id: int, sent_at: int, text: str, name: str) -> dict[str, Any]:
    text = text[:MAX_TEXT_CHARS]
    content: dict[str, Any] = {"text": text}
    command = _COMMAND.match(text)
    if command:
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
    return {"update_id": update_id, "message": _message(update_id, person_id, sent_at, name, **content)}


def press_update(update_id: int, person_id: int, sent_at: int, picked: Picked, name: str) -> dict[str, Any]:
    if "data" in picked.choice:
        offered = {
            "message_id": picked.message_id,
            "date": sent_at,
            "chat": {"id": person_id, "type": "private", "first_name": name},
            "text": "",
        }
        query = {
            "id": f"wx{person_id}:{update_id}",  # the answer to a press goes to this person (bot/channel_bot.py)
            "from": _person(person_id, name),
            "chat_instance": str(person_id),
            "data": picked.choice["data"],
            "message": offered,
        }
        return {"update_id": update_id, "callback_query": query}
    return text_update(update_id, person_id, sent_at, picked.choice.get("text", picked.choice["label"]), name)


def kf_update(
    update_id: int, person_id: int, message: dict[str, Any], picked: Picked | None, name: str
) -> dict[str, Any] | None:
    """The update for one kf/sync_msg message from a resident (origin 3) or an event; None for what the dialog
    has no use for (the service account's own messages, unknown types)."""
    sent_at = int(message.get("send_time") or 0)
    kind = message.get("msgtype")
    if picked is not None:
        return press_update(update_id, person_id, sent_at, picked, name)
    if kind == "text":
        return text_update(update_id, person_id, sent_at, str(message.get("text", {}).get("content", "")), name)
    if kind == "event" and message.get("event", {}).get("event_type") == "enter_session":
        # A 客服 link can carry a scene_param, as a Telegram link carries ?start=: an invitation, a poster's code.
        scene = str(message["event"].get("scene_param") or "")
        return text_update(
            update_id, person_id, sent_at, f"/start {scene}" if _PAYLOAD.match(scene) else "/start", name
        )
    if kind == "location":
        place = message.get("location", {})
        return _located(update_id, person_id, sent_at, name, place.get("latitude"), place.get("longitude"))
    if kind in ("image", "voice"):
        return _media(update_id, person_id, sent_at, name, kind, str(message.get(kind, {}).get("media_id", "")))
    return None


def _located(update_id: int, person_id: int, sent_at: int, name: str, latitude: object, longitude: object
             ) -> dict[str, Any] | None:  # fmt: skip
    """A location message; None when WeChat's coordinates are not numbers."""
    try:
        location = {"latitude": float(latitude), "longitude": float(longitude)}  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return {"update_id": update_id, "message": _message(update_id, person_id, sent_at, name, location=location)}


def _media(update_id: int, person_id: int, sent_at: int, name: str, kind: str, media_id: str) -> dict[str, Any]:
    """A picture or a voice note, known by WeChat's media id (the dialog keeps it as an attachment)."""
    file = {"file_id": f"wx:{media_id}", "file_unique_id": f"wx:{media_id}"}
    content = {"photo": [{**file, "width": 1, "height": 1}]} if kind == "image" else {"voice": {**file, "duration": 1}}
    return {"update_id": update_id, "message": _message(update_id, person_id, sent_at, name, **content)}


# A 服务号 menu's CLICK keys (`sanshe wechat-menu`) and what each one says to the dialog: a command, or the words
# of a button of the main menu (understood in every language, like the button itself).
MENU_WORDS = {
    "REQUEST": "🙋 求助",
    "MINE": "📋 我的求助",
    "VOTE": "/vote",
    "HELP": "/help",
    "PRIVACY": "/privacy",
    "LANGUAGE": "/language",
    "MUTE": "/mute",
}


def official_update(
    update_id: int, person_id: int, message: dict[str, str], picked: Picked | None, name: str
) -> dict[str, Any] | None:
    """The update for one 服务号 callback message (flat XML fields); None for what the dialog has no use for."""
    sent_at = int(message.get("CreateTime") or 0) if (message.get("CreateTime") or "").isdigit() else 0
    kind, event = message.get("MsgType"), message.get("Event", "")
    if picked is not None:
        return press_update(update_id, person_id, sent_at, picked, name)
    if kind == "text":
        return text_update(update_id, person_id, sent_at, message.get("Content", ""), name)
    if kind == "event" and event in ("subscribe", "SCAN"):
        return text_update(update_id, person_id, sent_at, "/start", name)
    if kind == "event" and event == "CLICK" and message.get("EventKey") in MENU_WORDS:
        return text_update(update_id, person_id, sent_at, MENU_WORDS[message["EventKey"]], name)
    if kind == "location":
        return _located(update_id, person_id, sent_at, name, message.get("Location_X"), message.get("Location_Y"))
    if kind in ("image", "voice"):
        return _media(update_id, person_id, sent_at, name, kind, message.get("MediaId", ""))
    return None
