"""How a turn's message looks in WeChat, which has no buttons and no edits.

A turn decides texts and choices once, in the Bot API's terms (a text, an inline keyboard of callback or link
buttons, or a reply keyboard of words to send); see handlers/turn.py. Here those choices become numbered lines
and, in 微信客服, a `msgmenu` whose items the resident can tap; the resident may also type the number or the
words. What WeChat cannot do is left out: a button that shares a phone number or a location (the resident types
the number or the address; the dialog accepts both).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

MAX_TEXT_BYTES = 2048  # kf/send_msg text content
MAX_HEAD_BYTES = 1024  # msgmenu head_content
MAX_MENU_ITEMS = 10  # msgmenu list
MAX_ITEM_BYTES = 128  # one msgmenu item's content, to keep the menu readable
Choice = dict[str, str]  # {"label", and one of "data" (a button press), "text" (words to send), "url"}


def choices_of(markup: Mapping[str, Any] | None) -> list[Choice] | None:
    """The choices a message offers: a list (empty: a keyboard removed), or None (it changes nothing)."""
    if not markup:
        return None
    if "inline_keyboard" in markup:
        found: list[Choice] = []
        for row in markup["inline_keyboard"]:
            for button in row:
                if button.get("callback_data") is not None:
                    found.append({"label": button["text"], "data": button["callback_data"]})
                elif button.get("url"):
                    found.append({"label": button["text"], "url": button["url"]})
        return found
    if "keyboard" in markup:
        words: list[Choice] = []
        for row in markup["keyboard"]:
            for button in row:
                label = button if isinstance(button, str) else button.get("text", "")
                if isinstance(button, dict) and (button.get("request_contact") or button.get("request_location")):
                    continue  # WeChat cannot share these: the resident types them instead
                words.append({"label": label, "text": label})
        return words
    if markup.get("remove_keyboard"):
        return []
    return None


def _fits(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


def numbered(text: str, choices: Sequence[Choice], hint: str) -> str:
    """The text with its choices as numbered lines: what every WeChat client shows, and what a typed number
    answers."""
    lines = [text, ""] + [f"{n}. {_choice_line(choice)}" for n, choice in enumerate(choices, 1)] + [hint]
    return "\n".join(lines)


def _choice_line(choice: Choice) -> str:
    return f"{choice['label']} {choice['url']}" if "url" in choice else choice["label"]


def _text(words: str) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": _fits(words, MAX_TEXT_BYTES)}}


def _menu_fits(text: str, choices: Sequence[Choice]) -> bool:
    return len(choices) <= MAX_MENU_ITEMS and len(text.encode()) <= MAX_HEAD_BYTES


def _item_words(number: int, choice: Choice) -> str:
    return _fits(f"{number}. {choice['label']}", MAX_ITEM_BYTES)


def _menu(text: str, items: list[dict[str, Any]], hint: str) -> dict[str, Any]:
    return {"msgtype": "msgmenu", "msgmenu": {"head_content": text, "list": items, "tail_content": hint}}


def kf_message(text: str, choices: Sequence[Choice] | None, message_id: int, hint: str) -> dict[str, Any]:
    """A kf/send_msg body (without touser/open_kfid): a msgmenu when the choices fit one, else numbered text."""
    if not choices:
        return _text(text)
    if not _menu_fits(text, choices):
        return _text(numbered(text, choices, hint))
    items = [
        {"type": "view", "view": {"url": c["url"], "content": _item_words(n, c)}}
        if "url" in c
        else {"type": "click", "click": {"id": menu_id(message_id, n), "content": _item_words(n, c)}}
        for n, c in enumerate(choices, 1)
    ]
    return _menu(text, items, hint)


def menu_id(message_id: int, number: int) -> str:
    """A msgmenu item's id names the message and the choice, so a tap on an older menu still means that one."""
    return f"{message_id}.{number}"


def parse_menu_id(value: str) -> tuple[int, int] | None:
    head, _, tail = value.partition(".")
    if not (head.isascii() and head.isdigit() and tail.isascii() and tail.isdigit()):
        return None
    if len(head) > 18 or len(tail) > 3:
        return None
    return int(head), int(tail)


def typed_number(text: str) -> int | None:
    """ "2", "２", "2。" or " 2 " → 2: a choice answered by its number."""
    folded = unicodedata.normalize("NFKC", text).strip().rstrip(".。、)）")
    if folded.isascii() and folded.isdigit() and len(folded) <= 2:
        return int(folded)
    return None


def official_message(text: str, choices: Sequence[Choice] | None, message_id: int, hint: str) -> dict[str, Any]:
    """A 服务号 customer-service message (message/custom/send): a msgmenu when the choices fit one and none is a
    link (a 服务号 msgmenu item can only be tapped), else numbered text."""
    if not choices:
        return _text(text)
    if any("url" in c for c in choices) or not _menu_fits(text, choices):
        return _text(numbered(text, choices, hint))
    items = [{"id": menu_id(message_id, n), "content": _item_words(n, c)} for n, c in enumerate(choices, 1)]
    return _menu(text, items, hint)


def passive_text(text: str, choices: Sequence[Choice] | None, message_id: int, hint: str) -> str:
    """The words of a passive reply (a plain text message): each choice a `weixin://bizmsgmenu` link the person
    can tap, which sends its words back with the menu id, as a msgmenu item would."""
    # The words may quote a person (a need, a note): a link of theirs must not become a tappable choice.
    text = text.replace("<", "＜")
    if not choices:
        return _fits(text, MAX_TEXT_BYTES)
    lines = [text, ""]
    for n, choice in enumerate(choices, 1):
        words = f"{n}. {choice['label']}"
        if "url" in choice:
            lines.append(f'<a href="{escape(choice["url"])}">{escape(words)}</a>')
        else:
            query = urlencode({"msgmenucontent": words, "msgmenuid": menu_id(message_id, n)}, quote_via=quote)
            lines.append(f'<a href="weixin://bizmsgmenu?{query}">{escape(words)}</a>')
    lines.append(hint)
    whole = "\n".join(lines)
    return whole if len(whole.encode()) <= MAX_TEXT_BYTES else _fits(numbered(text, choices, hint), MAX_TEXT_BYTES)
