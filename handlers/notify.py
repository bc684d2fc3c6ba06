"""Telling people about request changes: rendered in each recipient's language and written to the outbox
in the same transaction as the change, so a crash can neither lose nor duplicate the news."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from core.requests import STAFF_QUEUE, Change, Status
from handlers import intake_keyboards as ikb
from handlers.intake_steps import when_label
from handlers.turn import Turn

STAFF = "st"
# Changes the resident hears about (their own actions are answered directly instead).
_RESIDENT_NEWS = {
    Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.DONE, Status.CANCELLED, Status.EXPIRED,
    Status.ESCALATED, Status.UNMATCHED, Status.SUBMITTED,
}  # fmt: skip


async def announce(turn: Turn, changes: Sequence[Change], *, resident_told: bool = False) -> None:
    for change in changes:
        request = change.request
        if not resident_told and change.after in _RESIDENT_NEWS and change.actor_id != request.resident_id:
            await _tell_resident(turn, change)
        if change.after in STAFF_QUEUE:
            await _tell_staff(turn, change)


async def _translator_for(turn: Turn, telegram_id: int) -> Translator:
    user = await turn.tx.users.get(telegram_id)
    return turn.services.i18n.translator(user.locale if user else None)


async def _tell_resident(turn: Turn, change: Change) -> None:
    request = change.request
    resident = await turn.tx.users.get(request.resident_id)
    if resident is None or resident.blocked_at is not None:
        return  # they blocked the bot; the status is still visible under 我的求助 if they come back
    t = turn.services.i18n.translator(resident.locale)
    text = t("notify.status_changed", reference=request.reference, status=t(f"status.{change.after.value}"))
    if change.note and change.actor_id is not None:
        text += "\n" + t("notify.note", note=change.note)
    markup = None
    if change.after is Status.DONE:
        text += "\n\n" + t("rating.prompt")
        markup = ikb.rating(t, request.id).to_dict()
    await turn.tx.outbox.enqueue(request.resident_id, text, markup, turn.now)
    turn.enqueued = True


async def _tell_staff(turn: Turn, change: Change) -> None:
    request = change.request
    staff_ids = await turn.tx.users.with_role("staff", request.community_id)
    for staff_id in staff_ids:
        t = await _translator_for(turn, staff_id)
        reason = t("staff.reason_unmatched") if change.after is Status.UNMATCHED else t("staff.reason_escalated")
        text = t(
            "staff.new_case",
            reference=request.reference,
            reason=reason,
            need=request.need_text,
            when=when_label(t, request.when_code, request.when_text),
        )
        markup = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(t("staff.assign_button"), callback_data=f"{STAFF}:assign:{request.id}")],
                [InlineKeyboardButton(t("staff.close_button"), callback_data=f"{STAFF}:close:{request.id}")],
            ]
        )
        await turn.tx.outbox.enqueue(staff_id, text, markup.to_dict(), turn.now)
        turn.enqueued = True
