"""Telling people about request changes: rendered in each recipient's language and written to the outbox
in the same transaction as the change, so a crash can neither lose nor duplicate the news."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from core import on_behalf
from core.requests import STAFF_QUEUE, Change, Status
from handlers import behalf_views, home
from handlers import intake_keyboards as ikb
from handlers import provider_keyboards as pkb
from handlers.intake_steps import when_label
from handlers.turn import Turn
from storage.records import Offer, Provider, RequestRecord, channel_of, has_chat

STAFF = "st"
# Changes the resident hears about (their own actions are answered directly instead).
_RESIDENT_NEWS = {
    Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.DONE, Status.CANCELLED, Status.EXPIRED,
    Status.ESCALATED, Status.UNMATCHED, Status.SUBMITTED,
}  # fmt: skip


async def announce(turn: Turn, changes: Sequence[Change], *, resident_told: bool = False) -> None:
    for change in changes:
        request = change.request
        if change.before is change.after:
            pass  # another round of offers: nothing new for the resident
        elif not resident_told and change.after in _RESIDENT_NEWS:
            await _tell_resident(turn, change)
        if change.after in STAFF_QUEUE:
            await _tell_staff(turn, change)
        if change.push_to:
            await _offer(turn, request, change.push_to)
        if change.after in (Status.CANCELLED, Status.DONE):
            await withdraw_pushes(turn, request.id, "task.withdrawn")


async def withdraw_pushes(turn: Turn, request_id: int, key: str, answer: str = "withdrawn") -> None:
    """Close the offers still open and rewrite their pushes, so nobody accepts a task that is gone."""
    offers = await turn.tx.providers.close_open_offers(request_id, answer, turn.now)
    await rewrite_pushes(turn, offers, key)


async def rewrite_pushes(turn: Turn, offers: Sequence[Offer], key: str) -> None:
    """Closed offers: their pushes lose the 接单 button. A push not sent yet either stays unsent or, when a
    sender already holds it, is rewritten as soon as it has been sent."""
    for offer in offers:
        if offer.outbox_id is None:
            continue  # its push was pruned long ago
        t = await _translator_for(turn, offer.provider_id)
        message_id = await turn.tx.providers.outbox_message_id(offer.outbox_id)
        if message_id is not None:
            turn.edit_elsewhere(offer.provider_id, message_id, t(key))
        elif await turn.tx.outbox.edit_when_sent(offer.outbox_id, offer.provider_id, t(key), turn.now):
            turn.enqueued = True


async def _offer(turn: Turn, request: RequestRecord, provider_ids: Sequence[int]) -> None:
    """The push: the need without the resident's name, phone or address, with 接单 / 不接."""
    community = await turn.tx.communities.get(request.community_id)
    matcher = await turn.services.matchers.get(turn.tx)
    service = next((e.name for e in matcher.entries if e.service_id == request.service_id), request.service_id)
    for provider_id in provider_ids:
        t = await _translator_for(turn, provider_id)
        text = t(
            "task.offer", reference=request.reference, service=service or "", need=request.need_text,
            when=when_label(t, request.when_code, request.when_text), community=community.name if community else "",
        )  # fmt: skip
        outbox_id = await turn.tx.outbox.enqueue(provider_id, text, pkb.offer(t, request.id).to_dict(), turn.now)
        await turn.tx.providers.add_offer(request.id, provider_id, outbox_id, turn.now)
        turn.enqueued = True


async def _translator_for(turn: Turn, telegram_id: int) -> Translator:
    user = await turn.tx.users.get(telegram_id)
    return turn.services.i18n.translator(user.locale if user else None, channel_of(telegram_id))


async def _tell_resident(turn: Turn, change: Change) -> None:
    """The resident hears in their own chat; for a request filed on their behalf, whoever answers for a resident
    without a chat and whoever filed it hear too (core.on_behalf.listeners). Nobody hears of their own action."""
    for listener in await on_behalf.listeners(turn.tx, change.request):
        if listener.chat_id != change.actor_id:
            await _tell_one(turn, change, listener)


async def _tell_one(turn: Turn, change: Change, listener: on_behalf.Listener) -> None:
    request = change.request
    resident = await turn.tx.users.get(listener.chat_id)
    if resident is None or resident.blocked_at is not None or not has_chat(listener.chat_id):
        return  # they blocked the bot; the status is still visible under 我的求助 if they come back
    t = turn.services.i18n.translator(resident.locale, channel_of(resident.telegram_id))
    text = t("notify.status_changed", reference=request.reference, status=t(f"status.{change.after.value}"))
    if listener.role != "resident":  # 代办: say for whom, since it is not about the reader
        text = await behalf_views.for_whom(turn, t, request, listener.chat_id) + "\n" + text
    if change.note and change.actor_id is not None:
        text += "\n" + t("notify.note", note=change.note)
    if change.after is Status.ACCEPTED and request.provider_id is not None:
        provider = await turn.tx.providers.get(request.provider_id)
        if provider is not None:
            text += "\n" + await _who_is_coming(turn, t, request, provider)
    markup = None
    if change.after is Status.DONE and listener.rates:
        text += "\n\n" + (t("behalf.rate_for") if listener.role == "proxy" else t("rating.prompt"))
        markup = ikb.rating(t, request.id).to_dict()
    await turn.tx.outbox.enqueue(listener.chat_id, text, markup, turn.now)
    turn.enqueued = True


async def _who_is_coming(turn: Turn, t: Translator, request: RequestRecord, provider: Provider) -> str:
    """Who took the request and for which organisation; and the organisation that offers the service, when that is
    another one (a volunteer of one centre doing a service another organisation registered)."""
    who = home.provider_name(turn.services.i18n, t, provider)
    line = (
        t("notify.who_with_org", who=who, organization=provider.organization)
        if provider.organization
        else t("notify.who_is_coming", who=who)
    )
    matcher = await turn.services.matchers.get(turn.tx)
    service = next((e for e in matcher.entries if e.service_id == request.service_id), None)
    offered_by = service.organization if service is not None else None
    if offered_by and offered_by != provider.organization:
        line += "\n" + t("notify.service_by", organization=offered_by)
    return line


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


async def remind_provider(turn: Turn, request: RequestRecord) -> None:
    """One nudge for a task that stalls, with the buttons to finish or give it back."""
    if request.provider_id is None:
        return
    t = await _translator_for(turn, request.provider_id)
    markup = pkb.progress(t, request.id, started=request.status == Status.IN_PROGRESS.value)
    await turn.tx.outbox.enqueue(request.provider_id, t("task.reminder", reference=request.reference),
                                 markup.to_dict(), turn.now)  # fmt: skip
    turn.enqueued = True
