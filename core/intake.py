"""Rules of the intake dialog: the order of its questions, what each answer may be, and the request it makes.

The dialog's answers live in the chat's dialog data (a JSON dict) between steps; this module is the only
one that knows their keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.dialog import State
from storage.records import NewRequest, User

# The questions in order. "返回" goes one step back along this line.
ORDER: tuple[State, ...] = (State.NEED, State.PICK, State.WHEN, State.WHERE, State.CONTACT, State.NOTE, State.CONFIRM)
WHEN_CODES = ("asap", "today", "week", "time")
MAX_ADDRESS = 120
MAX_NOTE = 300
MAX_WHEN_TEXT = 60
# An intake untouched for this long is not silently continued: the resident is asked.
STALE_AFTER = timedelta(hours=6)


class AnswerError(ValueError):
    """An answer that cannot be used; `key` names the locale message that explains why."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def previous(state: State) -> State:
    """One step back; from the first question, back to the menu."""
    if state is State.WHEN_TEXT:
        return State.WHEN
    if state is State.NEED:
        return State.MENU
    index = ORDER.index(state) if state in ORDER else 0
    return ORDER[max(index - 1, 0)]


def clean_text(text: str, limit: int, key: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise AnswerError("intake.empty_answer")
    if len(cleaned) > limit:
        raise AnswerError(key, limit=limit)
    return cleaned


def is_stale(data: Mapping[str, Any], now: datetime) -> bool:
    touched = data.get("touched")
    return bool(touched) and now - datetime.fromisoformat(touched) > STALE_AFTER


def touch(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    data["touched"] = now.isoformat(timespec="seconds")
    return data


@dataclass(frozen=True)
class Summary:
    need: str
    service_id: str | None
    when_code: str
    when_text: str | None
    address: str | None
    has_location: bool
    phone: str | None
    note: str | None
    attachments: int


def summary(data: Mapping[str, Any]) -> Summary:
    return Summary(
        need=data.get("need", ""),
        service_id=data.get("service_id"),
        when_code=data.get("when_code", "asap"),
        when_text=data.get("when_text"),
        address=data.get("address"),
        has_location=data.get("lat") is not None,
        phone=data.get("phone"),
        note=data.get("note"),
        attachments=len(data.get("attachments", [])),
    )


def new_request(data: Mapping[str, Any], user: User) -> NewRequest:
    if user.community_id is None:
        raise AnswerError("intake.no_community")
    return NewRequest(
        resident_id=user.telegram_id,
        community_id=user.community_id,
        service_id=data.get("service_id"),
        need_text=data.get("need", ""),
        when_code=data.get("when_code", "asap"),
        when_text=data.get("when_text"),
        address=data.get("address"),
        latitude=data.get("lat"),
        longitude=data.get("lon"),
        contact_phone=data.get("phone"),
        note=data.get("note"),
    )
