"""The resident's intake dialog: need → matches → when → where → contact → note → confirm → filed.

Each answer goes into the chat's dialog data; nothing becomes a request until the resident confirms.
"""

from __future__ import annotations

import re

from telegram import Update

from core import intake
from core.dialog import State
from core.filing import file_request
from core.requests import Status
from core.talk import talk_reply_key
from handlers import home, notify, on_behalf_steps, steps
from handlers import keyboards as kb
from handlers.context import SansheContext
from handlers.intake_steps import last_address
from handlers.turn import Turn, turn_handler

# Chinese mobile numbers, or a landline with an optional area code; spaces and dashes are allowed.
_PHONE = re.compile(r"^\+?(86)?(1[3-9]\d{9}|0\d{2,3}\d{7,8}|\d{7,8})$")


async def describe(turn: Turn, text: str, attachments: list[list[str]] | None = None) -> None:
    """A need in the resident's words: offer the best matches, or go on as an unmatched need."""
    t, user = turn.t, turn.user
    carried = on_behalf_steps.carried(turn.data)  # filing for someone else: their community, checked again
    community_id = await on_behalf_steps.community(turn) if carried else user.community_id if user else None
    if user is None or community_id is None or (not carried and home.home_state(turn) is not State.MENU):
        # Only a resident of a community files a need; anyone else is taken to their own home.
        await steps.enter(turn, home.home_state(turn))
        return
    try:
        need = intake.clean_text(text, turn.services.max_message_chars, "input.too_long_plain")
    except intake.AnswerError as error:
        turn.say(t(error.key, **error.values))
        return
    community = await turn.tx.communities.get(community_id)
    matcher = await turn.services.matchers.get(turn.tx)
    attachments = attachments or turn.data.get("attachments", [])
    assessment = matcher.assess(need, top=3, community=community.name if community else None)
    matches = assessment.matches
    if not matches and not assessment.is_need and not attachments:
        # A greeting, thanks or a remark: answer it, with the menu; nothing is filed.
        turn.goto(State.MENU)
        turn.say(t(talk_reply_key(assessment.talk, need)), kb.main_menu_keyboard(t))
        return
    data = intake.touch({"need": need, "attachments": attachments, **carried}, turn.now)
    if matches:
        by_id = {e.service_id: e for e in matcher.entries}
        data["options"] = [[m.service_id, m.name, by_id[m.service_id].organization] for m in matches]
        turn.goto(State.PICK, **data)
    else:
        data["service_id"] = None
        turn.say(t("intake.no_match"))
        turn.goto(State.WHEN, **data)
    await steps.prompt(turn)


async def on_text(turn: Turn, text: str) -> None:
    """Typed answers, by step. Buttons of the reply keyboards arrive here as text too."""
    t, i18n = turn.t, turn.services.i18n
    if i18n.matches("common.cancel", text):
        await cancel(turn)
        return
    if i18n.matches("common.back", text):
        await back(turn)
        return
    data = intake.touch(dict(turn.data), turn.now)
    try:
        match turn.state:
            case State.NEED:
                await describe(turn, text)
                return
            case State.PICK | State.WHEN | State.CONFIRM:
                turn.say(t("input.use_buttons"))
            case State.WHEN_TEXT:
                when_text = intake.clean_text(text, intake.MAX_WHEN_TEXT, "intake.too_long")
                data.update(when_code="time", when_text=when_text)
                turn.goto(State.WHERE, **data)
            case State.WHERE:
                if i18n.matches("intake.use_last_address", text):
                    data.update(address=await last_address(turn), lat=None, lon=None)
                else:
                    data.update(address=intake.clean_text(text, intake.MAX_ADDRESS, "intake.too_long"))
                turn.goto(State.CONTACT, **data)
            case State.CONTACT:
                if i18n.matches("intake.chat_only", text):
                    data["phone"] = None
                else:
                    data["phone"] = _phone(text)
                turn.goto(State.NOTE, **data)
            case State.NOTE:
                data["note"] = (
                    None
                    if i18n.matches("intake.skip", text)
                    else intake.clean_text(text, intake.MAX_NOTE, "intake.too_long")
                )
                turn.goto(State.CONFIRM, **data)
    except intake.AnswerError as error:
        turn.say(t(error.key, **error.values))
        return
    await steps.prompt(turn)


def _phone(text: str) -> str:
    digits = re.sub(r"[\s\-()（）]", "", text)
    if not _PHONE.match(digits):
        raise intake.AnswerError("intake.bad_phone")
    return digits


async def on_location(turn: Turn, latitude: float, longitude: float) -> None:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        turn.say(turn.t("intake.bad_location"))
        return
    data = intake.touch(dict(turn.data), turn.now)
    data.update(lat=latitude, lon=longitude, address=data.get("address"))
    turn.goto(State.CONTACT, **data)
    await steps.prompt(turn)


async def on_contact(turn: Turn, phone: str, contact_user_id: int | None) -> None:
    assert turn.user is not None
    if contact_user_id != turn.user.telegram_id:
        # Someone else's card: we only keep a number the resident chose to give for themselves.
        turn.say(turn.t("intake.own_contact_only"))
        return
    data = intake.touch(dict(turn.data), turn.now)
    data["phone"] = re.sub(r"[\s\-]", "", phone)
    turn.goto(State.NOTE, **data)
    await steps.prompt(turn)


async def on_media(turn: Turn, kind: str, file_id: str, caption: str | None) -> None:
    """A photo or voice note while describing the need is kept and attached to the request."""
    attachments = [*turn.data.get("attachments", []), [kind, file_id]]
    if caption:
        await describe(turn, caption, attachments)
    elif kind == "voice":
        # No offline speech recognition: the voice goes to staff as an unmatched need they will listen to.
        data = intake.touch(
            {"need": turn.t("intake.voice_need"), "attachments": attachments, **on_behalf_steps.carried(turn.data)},
            turn.now,
        )
        data["service_id"] = None
        turn.say(turn.t("intake.voice_received"))
        turn.goto(State.WHEN, **data)
        await steps.prompt(turn)
    else:
        turn.data["attachments"] = attachments
        turn.say(turn.t("intake.photo_received"))


async def back(turn: Turn) -> None:
    target = intake.previous(turn.state)
    if target is State.PICK and not turn.data.get("options"):
        target = State.NEED  # there were no matches to pick from
    if target is State.MENU:  # out of the intake: home (a staff member filing for someone has no resident's menu)
        await steps.enter(turn, home.home_state(turn))
        return
    turn.goto(target, **turn.data)
    await steps.prompt(turn)


async def cancel(turn: Turn) -> None:
    turn.say(turn.t("intake.cancelled"))
    await steps.enter(turn, home.home_state(turn))


async def submit(turn: Turn) -> None:
    assert turn.user is not None
    services = turn.services
    if on_behalf_steps.carried(turn.data):
        await on_behalf_steps.submit(turn)
        return
    changes = await file_request(turn.tx, turn.user, turn.data, turn.now, services.i18n.tz, services.dispatch_top_k)
    await notify.announce(turn, changes, resident_told=True)
    request, final = changes[-1].request, changes[-1].after
    next_key = "intake.filed_unmatched" if final is Status.UNMATCHED else "intake.filed_escalated"
    if final not in (Status.UNMATCHED, Status.ESCALATED):
        next_key = "intake.filed_dispatched"
    filed = turn.t("intake.filed", reference=request.reference) + "\n" + turn.t(next_key)
    turn.say(filed, kb.main_menu_keyboard(turn.t))
    turn.goto(State.MENU)


@turn_handler
async def pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, action, *rest = query.data.split(":")
    argument = rest[0] if rest else ""
    t = turn.t
    expected = {"pick": State.PICK, "when": State.WHEN, "submit": State.CONFIRM, "resume": State.RESUME,
                "drop": State.RESUME}  # fmt: skip
    wrong_step = (action in expected and turn.state is not expected[action]) or (
        action in ("back", "cancel") and not turn.state.is_intake
    )
    if turn.user is None or wrong_step:
        turn.answer(t("common.stale_button"))
        turn.edit_trigger(t("common.stale_message"))
        await steps.prompt(turn)
        return
    data = intake.touch(dict(turn.data), turn.now)
    match action:
        case "pick":
            chosen = {option[0]: option for option in data.get("options", [])}
            if argument != "none" and argument not in chosen:
                turn.answer(t("common.stale_button"))
                return
            data["service_id"] = None if argument == "none" else argument
            label = t("intake.none_of_these") if argument == "none" else chosen[argument][1]
            turn.edit_trigger(t("intake.picked", choice=label))
            turn.goto(State.WHEN, **data)
            await steps.prompt(turn)
        case "when":
            if argument not in intake.WHEN_CODES:
                turn.answer(t("common.stale_button"))
                return
            turn.edit_trigger(t("intake.when_chosen", when=t(f"when.{argument}")))
            if argument == "time":
                turn.goto(State.WHEN_TEXT, **data)
            else:
                data.update(when_code=argument, when_text=None)
                turn.goto(State.WHERE, **data)
            await steps.prompt(turn)
        case "back":
            turn.edit_trigger(t("common.went_back"))
            await back(turn)
        case "cancel":
            turn.edit_trigger(t("intake.cancelled"))
            await steps.enter(turn, home.home_state(turn))
        case "submit":
            turn.edit_trigger(t("intake.submitting"))
            await submit(turn)
        case "resume":
            resumed = dict(data.get("resume", {}))
            turn.edit_trigger(t("intake.resumed"))
            turn.goto(State.parse(resumed.pop("state", State.NEED.value)), **intake.touch(resumed, turn.now))
            await steps.prompt(turn)
        case "drop":
            turn.edit_trigger(t("intake.dropped"))
            await steps.enter(turn, State.MENU)
        case _:
            turn.answer(t("common.stale_button"))
