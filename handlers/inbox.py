"""Routing what people type by the step their chat is in, and a kind word for everything unexpected."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot.i18n import fold
from core import intake as intake_rules
from core import onboarding
from core.broadcast import MAX_TEXT
from core.dialog import State
from handlers import (
    announce,
    building,
    community,
    consent,
    family,
    hours,
    intake,
    my_requests,
    on_behalf,
    provider,
    registration,
    resident,
    rounds,
    staff,
    steps,
    work,
)
from handlers import calls as call_chat
from handlers import keyboards as kb
from handlers import projects as project_chat
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler

log = logging.getLogger(__name__)


@turn_handler
async def on_text(update: Update, context: SansheContext, turn: Turn) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    text = message.text
    # An announcement may be long; everything else a person types in a step stays short.
    limit = MAX_TEXT if turn.state is State.ANNOUNCE_TEXT else turn.services.max_message_chars
    if len(text) > limit:
        turn.say(turn.t("input.too_long", count=turn.t.number(len(text)), limit=turn.t.number(limit)))
        return
    if await _offer_resume_if_stale(turn):
        return
    match turn.state:
        case State.NEW:
            turn.say(turn.t("start.press_start"))
        case State.LANGUAGE:
            await _typed_language(turn, text)
        case State.CONSENT:
            await consent.on_text(turn, text)
        case State.DECLINED:
            await steps.prompt(turn)
        case State.COMMUNITY:
            await community.on_text(turn, text)
        case State.MENU:
            await resident.on_menu_text(turn, text)
        case State.WORK:
            await work.on_text(turn, text)
        case State.RESUME:
            turn.say(turn.t("input.use_buttons"))
            await steps.prompt(turn)
        case State.RATE_COMMENT:
            await my_requests.on_comment(turn, text)
        case State.STAFF_CLOSE_NOTE:
            await staff.on_close_note(turn, text)
        case State.PROVIDER_NOTE:
            await provider.on_note(turn, text)
        case State.HOURS:  # the time a finished task took; other words are read as the home step reads them
            if not await hours.on_text(turn, text):
                await _at_home(turn, text)
        case State.ANNOUNCE_TEXT:
            await announce.on_text(turn, text)
        case State.ANNOUNCE_CONFIRM:
            turn.say(turn.t("input.use_buttons"))
        case State.BUILDING:
            await building.on_text(turn, text)
        case State.ROUND_TITLE | State.ROUND_CLOSES | State.ROUND_PROJECT | State.ROUND_CONFIRM | State.ROUND_PAPER:
            await rounds.on_text(turn, text)
        case State.PROJECT_INPUT:
            await project_chat.on_text(turn, text)
        case State.CALL_INPUT:
            await call_chat.on_text(turn, text)
        case State.REG_NAME:
            await registration.on_name(turn, text)
        case State.REG_COMMUNITIES:  # among many communities a name may be typed
            await registration.on_community_text(turn, text)
        case State.REG_SERVICES | State.REG_SUPERVISOR:
            turn.say(turn.t("input.use_buttons"))
        case State.FAMILY_CODE | State.FAMILY_CALLS | State.FAMILY_LABEL:
            await family.on_text(turn, text)
        case _ if turn.state.value.startswith("behalf."):  # 代办: finding or recording a resident without chat
            await on_behalf.on_text(turn, text)
        case _ if turn.state.is_intake:
            await intake.on_text(turn, text)


async def _at_home(turn: Turn, text: str) -> None:
    """Words typed at a step that let them go (the time question): read where the chat is now."""
    if turn.state is State.MENU:
        await resident.on_menu_text(turn, text)
    elif turn.state is State.WORK:
        await work.on_text(turn, text)
    else:
        await steps.prompt(turn)


async def _offer_resume_if_stale(turn: Turn) -> bool:
    """An intake left alone for hours is not continued silently: ask whether to go on with it."""
    if not turn.state.is_intake or not intake_rules.is_stale(turn.data, turn.now):
        return False
    turn.goto(State.RESUME, resume={**turn.data, "state": turn.state.value})
    await steps.prompt(turn)
    return True


async def _typed_language(turn: Turn, text: str) -> None:
    i18n = turn.services.i18n
    wanted = fold(text)
    for locale in i18n.locales:
        names = i18n.translator(locale)("language.typed_names").split("|")
        if wanted and wanted in {fold(name) for name in names}:
            if turn.user is None:
                turn.say(turn.t("start.press_start"))
                return
            turn.user = await onboarding.choose_language(turn.tx, turn.user, locale, turn.now)
            turn.use_locale(locale)
            await steps.enter(turn, onboarding.next_step(turn.user))
            return
    turn.say(turn.t("input.use_buttons"))
    await steps.prompt(turn)


@turn_handler
async def on_other_message(update: Update, context: SansheContext, turn: Turn) -> None:
    """Stickers, photos, voice notes, locations… that the current step does not use."""
    message = update.effective_message
    assert message is not None
    kind = message_kind(message)
    if await _offer_resume_if_stale(turn):
        return
    if await _useful_here(turn, message, kind):
        return
    turn.say(turn.t("input.unexpected", kind=turn.t(f"kind.{kind}")))
    if turn.state is State.NEW:
        turn.say(turn.t("start.press_start"))
    else:
        await steps.prompt(turn)


async def _useful_here(turn: Turn, message: Message, kind: str) -> bool:
    """A location, a contact, a photo or a voice note that the current step can use."""
    state = turn.state
    if kind == "location" and state is State.WHERE and message.location:
        await intake.on_location(turn, message.location.latitude, message.location.longitude)
    elif kind == "photo" and state is State.ANNOUNCE_TEXT and message.photo:
        await announce.on_photo(turn, message.photo[-1].file_id, message.caption)
    elif kind == "contact" and state is State.CONTACT and message.contact:
        await intake.on_contact(turn, message.contact.phone_number, message.contact.user_id)
    elif kind in ("photo", "voice") and (state is State.MENU or state.is_intake) and turn.user is not None:
        if turn.user.community_id is None:
            return False
        file_id = message.photo[-1].file_id if kind == "photo" else message.voice.file_id if message.voice else ""
        if state in (State.MENU, State.NEED):
            await intake.on_media(turn, kind, file_id, message.caption)
        else:
            turn.data.setdefault("attachments", []).append([kind, file_id])
            turn.say(turn.t("intake.attached"))
    else:
        return False
    return True


def message_kind(message: Message) -> str:
    for kind in (
        "sticker",
        "photo",
        "voice",
        "audio",
        "video",
        "video_note",
        "document",
        "location",
        "contact",
        "animation",
        "poll",
        "dice",
    ):
        if getattr(message, kind, None):
            return kind
    return "other"


@turn_handler
async def on_unknown_command(update: Update, context: SansheContext, turn: Turn) -> None:
    turn.say(turn.t("input.unknown_command"))


@turn_handler
async def on_stale_button(update: Update, context: SansheContext, turn: Turn) -> None:
    """A button from an old message, or from a step the chat has left: say so and show where we are."""
    turn.answer(turn.t("common.stale_button"))
    turn.edit_trigger(turn.t("common.stale_message"))
    if turn.state is State.NEW:
        turn.say(turn.t("start.press_start"))
    else:
        await steps.prompt(turn)


@turn_handler
async def in_group(update: Update, context: SansheContext, turn: Turn) -> None:
    turn.say(turn.t("group.private_only"), kb.remove_keyboard())


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one place an unexpected exception ends: the turn's transaction has already rolled back (the update
    stays unrecorded, so it is not marked processed); log it once with the update id and apologise."""
    log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    services = getattr(context.bot_data, "services", None)
    if services is None:
        return
    user = update.effective_user
    t = services.i18n.translator(services.i18n.guess_locale(user.language_code if user else None))
    if update.callback_query is not None:  # stop the button's spinner
        try:
            await update.callback_query.answer(t("error.generic"))
        except Exception:
            log.info("could not answer the callback of update %s", update.update_id)
    try:
        await context.bot.send_message(update.effective_chat.id, t("error.generic"))
    except Exception:  # the apology itself failing must not loop back into this handler
        log.warning("could not tell chat %s about the error", update.effective_chat.id)
