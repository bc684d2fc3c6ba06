"""Drafts shown back with 确认 / 取消 in the street office's side tasks (/projects and /calls).

Each draft gets a token of its own, kept with it in the dialog data and carried by its buttons, so that 确认
under an earlier preview (5万) can never save a later draft (50万) typed in the same step.
"""

from __future__ import annotations

import secrets
from typing import Any

from telegram import InlineKeyboardMarkup

from core.dialog import State
from handlers import side_task
from handlers.project_views import button
from handlers.turn import Turn


def propose(turn: Turn, state: State, prefix: str, text: str, **pending: object) -> None:
    """Show `text` with 确认 / 取消 (`<prefix>:ok|no:<token>`) and keep the draft under a new token."""
    token = secrets.token_hex(4)
    turn.goto(state, **{**turn.data, "pending": {**pending, "token": token}})
    keyboard = [button(turn.t("project.confirm"), f"{prefix}:ok:{token}"),
                button(turn.t("common.cancel"), f"{prefix}:no:{token}")]  # fmt: skip
    turn.say(text, InlineKeyboardMarkup(keyboard))


async def pressed(turn: Turn, state: State, ok: bool, token: str) -> dict[str, Any] | None:
    """The draft a 确认 press is about; None when the press is answered here: a stale button (another step,
    another draft's token) or 取消 (the side task ends)."""
    pending = turn.data.get("pending")
    if turn.state is not state or not isinstance(pending, dict) or not token or token != pending.get("token"):
        turn.answer(turn.t("common.stale_button"))
        return None
    if not ok:
        turn.edit_trigger(turn.t("project.cancelled"))
        await side_task.leave(turn, turn.t("project.cancelled"))
        return None
    return pending
