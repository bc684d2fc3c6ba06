"""Privacy notice and consent; /privacy lists everything we keep, sends a copy of it, and lets a person
withdraw (then it is gone: core.privacy)."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from bot.i18n import Translator
from core import onboarding
from core import privacy as rights
from core.dialog import State
from core.people import PROVIDER_KINDS, STAFF
from handlers import joining, menus, steps
from handlers import keyboards as kb
from handlers.callback_data import Callback, parse
from handlers.context import SansheContext, Services
from handlers.turn import Turn, turn_handler
from storage.protocols import PersonalData
from storage.records import User

log = logging.getLogger(__name__)
# Registration roles that the community manages, not the person (see core.people).
_REGISTERED = frozenset({*PROVIDER_KINDS, STAFF})


def _choice(update: Update, prefix: str) -> str:
    """The button's one argument, read by the strict parser; "" for anything no button of ours sends."""
    query = update.callback_query
    callback: Callback | None = parse(query.data if query is not None else None)
    if callback is None or callback.prefix != prefix or len(callback.parts) != 1:
        return ""
    return callback.action


@turn_handler
async def consent_pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    choice = _choice(update, kb.CONSENT)
    if turn.user is None:
        turn.answer(turn.t("common.stale_button"))
        await steps.prompt(turn)
        return
    if choice == "show":  # "I changed my mind": show the notice again
        turn.edit_trigger(turn.t("consent.reconsidering"))
        await steps.enter(turn, State.CONSENT)
    elif turn.state is not State.CONSENT:
        turn.answer(turn.t("common.stale_button"))
        turn.edit_trigger(turn.t("common.stale_message"))
        await steps.prompt(turn)
    elif choice == "yes":
        await accept(turn)
    elif choice == "no":
        await decline(turn)
    else:
        turn.answer(turn.t("common.stale_button"))


async def accept(turn: Turn) -> None:
    assert turn.user is not None
    turn.user, step = await onboarding.give_consent(turn.tx, turn.user, turn.now)
    turn.edit_trigger(turn.t("consent.accepted"))
    await joining.enter(turn, step)  # a community chosen by a poster's link is taken now
    await menus.refresh(turn)


async def decline(turn: Turn, *, typed: bool = False) -> None:
    assert turn.user is not None
    if turn.user.has_consented:  # saying no after saying yes (the notice shown again) is a withdrawal
        await withdraw(turn)
    else:
        turn.user = await onboarding.decline_consent(turn.tx, turn.user, turn.now)
    if typed:  # no button was pressed, so there is no message to rewrite
        turn.say(turn.t("consent.declined"), kb.reconsider_keyboard(turn.t))
    else:
        turn.edit_trigger(turn.t("consent.declined"), kb.reconsider_keyboard(turn.t))
    turn.goto(State.DECLINED)


async def on_text(turn: Turn, text: str) -> None:
    """Typed answers to the consent question, for those who do not press buttons."""
    i18n = turn.services.i18n
    if i18n.matches("consent.typed_yes", text):
        await accept(turn)
    elif i18n.matches("consent.typed_no", text):
        await decline(turn, typed=True)
    else:
        turn.say(turn.t("consent.use_buttons"))
        await steps.prompt(turn)


def _summary(t: Translator, user: User, data: PersonalData) -> str:
    kept = rights.holdings(data)
    profile = data.profile
    assert user.consent_at is not None
    lines = [
        t("privacy.kept_title"),
        t(
            "privacy.kept_profile",
            language=t("language.name"),
            community=profile.get("community") or t("privacy.no_community"),
            building=profile.get("building") or t("privacy.no_building"),
            consent_time=t.datetime(user.consent_at),
        ),
    ]
    if kept.requests:
        lines.append(t("privacy.kept_requests", count=kept.requests, open=kept.open_requests))
        for key, count in (
            ("privacy.kept_phones", kept.phones),
            ("privacy.kept_places", kept.places),
            ("privacy.kept_notes", kept.notes),
            ("privacy.kept_attachments", kept.attachments),
            ("privacy.kept_remarks", kept.remarks),
        ):
            if count:
                lines.append(t(key, count=count))
        if kept.ratings:
            lines.append(t("privacy.kept_ratings", count=kept.ratings, comments=kept.rating_comments))
    if kept.votes:
        lines.append(t("privacy.kept_votes", count=kept.votes))
    if kept.draft:
        lines.append(t("privacy.kept_draft"))
    if kept.messages_to_you or kept.messages_about_you:
        lines.append(t("privacy.kept_messages", to_you=kept.messages_to_you, about_you=kept.messages_about_you))
    if profile.get("announcements_muted"):
        lines.append(t("privacy.kept_muted"))
    if _REGISTERED & user.roles:
        lines.append(t("privacy.kept_registration"))
    return "\n".join(lines) + "\n\n" + t("privacy.kept_footer")


@turn_handler
async def privacy(update: Update, context: SansheContext, turn: Turn) -> None:
    t, user = turn.t, turn.user
    if user is None or not user.has_consented:
        turn.say(t("privacy.nothing_kept"), kb.privacy_keyboard(t, consented=False))
        return
    data = await rights.personal_data(turn.tx, user)
    turn.say(_summary(t, user, data), kb.privacy_keyboard(t, consented=True))


@turn_handler
async def privacy_pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    choice = _choice(update, kb.PRIVACY)
    t, user = turn.t, turn.user
    if user is None or not user.has_consented:
        turn.answer(t("common.stale_button"))
        return
    if choice == "withdraw":
        turn.edit_trigger(t("privacy.confirm_withdraw_all"), kb.withdraw_confirm_keyboard(t))
    elif choice == "confirm":
        result = await withdraw(turn)
        references = " ".join(c.reference for c in result.cancelled)
        text = t("privacy.withdrawn_cancelled", references=references) if references else t("privacy.withdrawn")
        turn.edit_trigger(text, kb.reconsider_keyboard(t))
        turn.say(t("privacy.withdrawn_menu_gone"), kb.remove_keyboard())
        turn.goto(State.DECLINED)
    elif choice == "keep":
        turn.edit_trigger(t("privacy.kept"))
    elif choice == "export":
        data = await rights.personal_data(turn.tx, user)
        content = rights.export_document(data, t("privacy.export_about"), turn.now)
        # Made in this turn, sent after its commit; the file itself never enters the outbox (only its caption).
        turn.document(lambda: content, f"sanshe-my-data-{turn.now:%Y%m%d}.json", t("privacy.export_caption"))
        turn.answer(t("privacy.export_ready"))
    else:
        turn.answer(t("common.stale_button"))


async def withdraw(turn: Turn) -> rights.Withdrawal:
    """Withdrawal of consent: everything goes (core.privacy); whoever was working on or shown one of the
    person's open requests is told its reference number and nothing more, and what we showed them is blanked."""
    assert turn.user is not None
    result = await rights.withdraw(turn.tx, turn.user, turn.now)
    turn.user = result.user
    await tell_withdrawal(turn, result)
    await menus.refresh(turn)  # no longer a resident: a provider's or staff member's menu loses those commands
    return result


async def tell_withdrawal(turn: Turn, result: rights.Withdrawal) -> None:
    """After any erasure (a withdrawal, or staff deleting a resident without chat, handlers.on_behalf): whoever
    was working on or shown one of the person's open requests is told its reference and nothing more, what we
    showed others is blanked, and the WAL is checkpointed once committed."""
    for cancelled in result.cancelled:
        for chat_id in cancelled.tell:
            t = await _translator_for(turn, chat_id)
            await turn.tx.outbox.enqueue(chat_id, t("privacy.task_cancelled", reference=cancelled.reference),
                                         None, turn.now)  # fmt: skip
            turn.enqueued = True
    for chat_id, message_id, reference in result.rewrite:
        t = await _translator_for(turn, chat_id)
        turn.edit_elsewhere(chat_id, message_id, t("privacy.message_erased", reference=reference))
    _checkpoint_after_commit(turn.services)


async def _translator_for(turn: Turn, telegram_id: int) -> Translator:
    person = await turn.tx.users.get(telegram_id)
    return turn.services.i18n.translator(person.locale if person else None)


_checkpoints: set[asyncio.Task[None]] = set()


def _checkpoint_after_commit(services: Services) -> None:
    """The WAL still holds page images with the erased values: once the withdrawal has committed, copy it
    into the database file and truncate it. The checkpoint takes the database's lock, which this turn's
    transaction holds until it has committed, so it cannot run earlier."""
    checkpoint = getattr(services.db, "checkpoint", None)  # storage.db.Database has it; test doubles may not
    if checkpoint is None:
        return

    async def run() -> None:
        try:
            if not await checkpoint():
                log.warning("WAL checkpoint after a withdrawal was partial; the next one completes it")
        except Exception:
            log.exception("WAL checkpoint after a withdrawal failed")

    task = asyncio.create_task(run())
    _checkpoints.add(task)
    task.add_done_callback(_checkpoints.discard)
