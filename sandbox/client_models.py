"""Value types returned by ``sandbox.client``: what a simulated user sees in the chat."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class SandboxError(Exception):
    """The control API refused a request (unknown user/button, blocked user, bad input...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"[{status}] {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class InlineButton:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class ReplyButton:
    text: str
    request_contact: bool = False
    request_location: bool = False


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot passed to answerCallbackQuery (the toast / alert the user sees)."""

    text: str | None
    show_alert: bool
    url: str | None = None
    callback_query_id: str = ""


@dataclass
class BotMessage:
    """A message the bot sent, in its current state (after edits/deletes)."""

    message_id: int
    date: int
    kind: str  # "text" | "photo" | "document"
    text: str | None  # text, or caption for photo/document; markup already stripped
    html: str | None = None  # the raw text as sent when a parse_mode was used
    inline_keyboard: list[list[InlineButton]] = field(default_factory=list)
    reply_keyboard: list[list[ReplyButton]] | None = None  # a ReplyKeyboardMarkup sent with it
    remove_keyboard: bool = False  # sent with ReplyKeyboardRemove
    edits: int = 0  # how many times the bot edited it
    deleted: bool = False
    reply_to: int | None = None  # message_id it replies to
    parse_mode: str | None = None
    force_reply: bool = False
    file_id: str | None = None  # largest photo size / the document

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BotMessage:
        reply_rows = data.get("reply_keyboard")
        return cls(
            message_id=data["message_id"],
            date=data["date"],
            kind=data["kind"],
            text=data.get("text"),
            html=data.get("html"),
            parse_mode=data.get("parse_mode"),
            inline_keyboard=[[InlineButton(**b) for b in row] for row in data.get("inline_keyboard", [])],
            reply_keyboard=[[ReplyButton(**b) for b in row] for row in reply_rows] if reply_rows is not None else None,
            remove_keyboard=data.get("remove_keyboard", False),
            force_reply=data.get("force_reply", False),
            edits=data.get("edits", 0),
            deleted=data.get("deleted", False),
            reply_to=data.get("reply_to"),
            file_id=data.get("file_id"),
        )

    def button_texts(self) -> list[str]:
        """Texts of all inline buttons, row by row, then those of the reply keyboard (if any)."""
        texts = [b.text for row in self.inline_keyboard for b in row]
        return texts + [b.text for row in self.reply_keyboard or [] for b in row]

    def inline_button(self, label: str) -> InlineButton | None:
        """The inline button with this visible text or callback_data."""
        buttons = (b for row in self.inline_keyboard for b in row)
        return next((b for b in buttons if label in (b.text, b.callback_data)), None)

    def __str__(self) -> str:
        flags = [f for f, on in (("deleted", self.deleted), (f"edited {self.edits}x", self.edits > 0)) if on]
        head = f"#{self.message_id}" + (f" ({', '.join(flags)})" if flags else "")
        if self.kind != "text":
            head += f" [{self.kind}]"
        lines = [f"{head} {self.text or ''}".rstrip()]
        lines += [" ".join(f"[{b.text}]" for b in row) for row in self.inline_keyboard]
        if self.reply_keyboard:
            lines += ["keyboard: " + " ".join(f"[{b.text}]" for b in row) for row in self.reply_keyboard]
        if self.remove_keyboard:
            lines.append("(removes keyboard)")
        return "\n".join(lines)


def dump(messages: list[BotMessage]) -> str:
    return "\n".join(str(m) for m in messages) or "(nothing)"
