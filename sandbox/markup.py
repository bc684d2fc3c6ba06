"""Validation of ``reply_markup`` the way the Bot API does it.

Returns the markup normalised to plain dicts (reply-keyboard buttons given as bare strings
become ``{"text": ...}``), or raises Telegram's 400 for invalid input, e.g.
``Bad Request: BUTTON_DATA_INVALID`` for ``callback_data`` longer than 64 bytes.
"""

from __future__ import annotations

from typing import Any

from sandbox.errors import bad_request

# Every inline button needs exactly one of these "action" fields besides its text.
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_MAX_BUTTONS = 100


def _rows(value: Any, what: str) -> list[list[Any]]:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise bad_request(f'field "{what}" of the reply markup must be an Array of Arrays')
    if sum(len(row) for row in value) > _MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return value


def _inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    actions = [key for key in _INLINE_ACTIONS if key in button]
    if not actions:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    return dict(button)


def _reply_button(button: Any) -> dict[str, Any]:
    if isinstance(button, str):
        button = {"text": button}
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse keyboard button: Field "text" must be of type String')
    if not button["text"]:
        raise bad_request("keyboard button text must be non-empty")
    return dict(button)


def validate_inline(markup: Any) -> dict[str, Any]:
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    rows = _rows(markup["inline_keyboard"], "inline_keyboard")
    return {"inline_keyboard": [[_inline_button(b) for b in row] for row in rows]}


def validate_markup(markup: Any) -> dict[str, Any]:
    """Any of InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, ForceReply."""
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        return validate_inline(markup)
    if "keyboard" in markup:
        rows = _rows(markup["keyboard"], "keyboard")
        normalised = {key: value for key, value in markup.items() if key != "keyboard"}
        return {"keyboard": [[_reply_button(b) for b in row] for row in rows], **normalised}
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return dict(markup)
    raise bad_request("can't parse reply keyboard markup JSON object")


def inline_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """All inline buttons of a markup, row by row."""
    if not markup or "inline_keyboard" not in markup:
        return []
    return [button for row in markup["inline_keyboard"] for button in row]


def reply_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not markup or "keyboard" not in markup:
        return []
    return [button for row in markup["keyboard"] for button in row]
