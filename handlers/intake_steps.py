"""What each intake step asks, and the summary the resident confirms."""

from __future__ import annotations

from typing import Any

from bot.i18n import Translator
from core import intake, on_behalf
from core.dialog import State
from handlers import intake_keyboards as ikb
from handlers.turn import Turn


def when_label(t: Translator, code: str, text: str | None) -> str:
    return text if code == "time" and text else t(f"when.{code}")


def summary_text(t: Translator, data: dict[str, Any]) -> str:
    s = intake.summary(data)
    names = {option[0]: option[1] for option in data.get("options", [])}
    service = names.get(s.service_id, s.service_id) if s.service_id else t("intake.summary_unmatched")
    where = s.address or (t("intake.summary_location") if s.has_location else t("intake.summary_none"))
    if s.address and s.has_location:
        where = f"{s.address}（{t('intake.summary_location')}）"
    lines = [
        t("intake.summary_title"),
        t("intake.summary_need", need=s.need),
        t("intake.summary_service", service=service),
        t("intake.summary_when", when=when_label(t, s.when_code, s.when_text)),
        t("intake.summary_where", where=where),
        t("intake.summary_contact", contact=s.phone or t("intake.summary_chat_only")),
    ]
    if s.note:
        lines.append(t("intake.summary_note", note=s.note))
    if s.attachments:
        lines.append(t("intake.summary_attachments", count=s.attachments))
    return "\n".join(lines)


async def last_address(turn: Turn) -> str | None:
    """The address of the resident's latest request that had one (offered as 用上次的地址)."""
    if turn.user is None:
        return None
    # Filing for someone else (代办): only an address this filer may see (core.on_behalf.last_address).
    resident_id = turn.data.get("for_resident")
    if isinstance(resident_id, int) and not isinstance(resident_id, bool):
        try:
            return await on_behalf.last_address(turn.tx, turn.user, resident_id)
        except on_behalf.BehalfError:
            return None
    for request in await turn.tx.requests.of_resident(turn.user.telegram_id, limit=5):
        if request.address:
            return request.address
    return None


async def prompt(turn: Turn) -> None:
    t, data = turn.t, turn.data
    match turn.state:
        case State.NEED:
            turn.say(t("need.prompt"), ikb.typing_only(t))
        case State.PICK:
            turn.say(t("intake.pick_prompt"), ikb.pick(t, data.get("options", [])))
        case State.WHEN:
            turn.say(t("intake.when_prompt"), ikb.when(t))
        case State.WHEN_TEXT:
            turn.say(t("intake.when_text_prompt"), ikb.typing_only(t))
        case State.WHERE:
            turn.say(t("intake.where_prompt"), ikb.where(t, await last_address(turn)))
        case State.CONTACT:
            turn.say(t("intake.contact_prompt"), ikb.contact(t))
        case State.NOTE:
            turn.say(t("intake.note_prompt"), ikb.note(t))
        case State.CONFIRM:
            turn.say(summary_text(t, data), ikb.confirm(t))
        case State.RESUME:
            need = data.get("resume", {}).get("need", "")
            turn.say(t("intake.resume_prompt", need=need), ikb.resume(t))
        case State.RATE_COMMENT:
            turn.say(t("rating.comment_prompt"), ikb.note(t))
        case State.STAFF_CLOSE_NOTE:
            turn.say(t("staff.close_note_prompt"), ikb.typing_only(t))
        case State.PROVIDER_NOTE:
            key = "task.done_prompt" if data.get("action") == "done" else "task.cannot_prompt"
            turn.say(t(key), ikb.typing_only(t))
