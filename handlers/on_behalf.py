"""/behalf: file a request for someone else (代办). A family member picks a resident who confirmed the link; a
网格员 or staff member finds a resident of their community who has no chat, or records one (name, phone, address,
building, then confirms the resident agreed). Then the ordinary intake runs with `for_resident` in its dialog data
(handlers.intake). Staff may delete a resident without chat on request. Buttons: ob:…"""

from __future__ import annotations

from typing import Any

from telegram import Update

from core import buildings, intake, on_behalf
from core.dialog import State
from core.people import STAFF
from handlers import behalf_views as views
from handlers import callback_data, consent, home, steps
from handlers import intake_keyboards as ikb
from handlers.context import SansheContext
from handlers.intake import _phone
from handlers.turn import Turn, turn_handler

FOR_RESIDENT = "for_resident"  # the dialog data key the intake reads (core.on_behalf.resolve checks it again)
# Recording a resident without a chat: one question at a time; 返回 goes one step back.
_STEPS = (State.BEHALF_NAME, State.BEHALF_PHONE, State.BEHALF_ADDRESS, State.BEHALF_BUILDING, State.BEHALF_CONSENT)
_KEYS = {State.BEHALF_NAME: "name", State.BEHALF_PHONE: "phone", State.BEHALF_ADDRESS: "address",
         State.BEHALF_BUILDING: "building"}  # fmt: skip


@turn_handler
async def behalf_command(update: Update, context: SansheContext, turn: Turn) -> None:
    await show(turn)


async def show(turn: Turn) -> None:
    t, user = turn.t, turn.user
    family = await on_behalf.family_choices(turn.tx, user) if user is not None and user.has_consented else []
    work = await on_behalf.worker_community(turn.tx, user)
    if not family and work is None:
        turn.say(t("behalf.nobody"))
        return
    turn.say(t("behalf.whom"), views.behalf_menu(t, family, work is not None))


async def prompt(turn: Turn) -> None:
    t = turn.t
    match turn.state:
        case State.BEHALF_SEARCH:
            turn.say(t("behalf.search_prompt"), ikb.typing_only(t))
        case State.BEHALF_NAME:
            turn.say(t("behalf.name_prompt"), ikb.typing_only(t))
        case State.BEHALF_PHONE | State.BEHALF_ADDRESS | State.BEHALF_BUILDING:
            turn.say(t(f"behalf.{_KEYS[turn.state]}_prompt"), ikb.note(t))
        case State.BEHALF_CONSENT:
            turn.say(_summary(turn, turn.data), views.consent_keyboard(t))


def _summary(turn: Turn, data: dict[str, Any]) -> str:
    t, none = turn.t, turn.t("intake.summary_none")
    return t("behalf.record_summary", name=data.get("name") or none, phone=data.get("phone") or none,
             address=data.get("address") or none, building=data.get("building") or none)  # fmt: skip


async def on_text(turn: Turn, text: str) -> None:
    t, i18n = turn.t, turn.services.i18n
    if i18n.matches("common.cancel", text):
        turn.say(t("behalf.cancelled"))
        await steps.enter(turn, home.home_state(turn))
        return
    if await on_behalf.worker_community(turn.tx, turn.user) is None:  # the role was taken away meanwhile
        turn.say(t("behalf.workers_only"))
        await steps.enter(turn, home.home_state(turn))
        return
    state, data = turn.state, dict(turn.data)
    if i18n.matches("common.back", text):
        if state is State.BEHALF_SEARCH or state is State.BEHALF_NAME:
            await steps.enter(turn, home.home_state(turn))
        else:
            turn.goto(_STEPS[_STEPS.index(state) - 1], **data)
            await prompt(turn)
        return
    try:
        if state is State.BEHALF_SEARCH:
            await _search(turn, text)
            return
        if state is State.BEHALF_CONSENT:
            turn.say(t("input.use_buttons"))
            return
        skipped = state is not State.BEHALF_NAME and i18n.matches("intake.skip", text)
        data[_KEYS[state]] = None if skipped else _answer(state, text)
    except (on_behalf.BehalfError, intake.AnswerError) as error:
        turn.say(t(error.key))
        return
    except buildings.BadBuilding:
        turn.say(t("behalf.too_long"))
        return
    turn.goto(_STEPS[_STEPS.index(state) + 1], **data)
    await prompt(turn)


def _answer(state: State, text: str) -> str | None:
    if state is State.BEHALF_PHONE:
        return _phone(text)
    if state is State.BEHALF_BUILDING:
        return buildings.normalize_building(text)
    limit = on_behalf.MAX_NAME if state is State.BEHALF_NAME else on_behalf.MAX_ADDRESS
    return on_behalf.clean(text, limit, required=True)


async def _search(turn: Turn, words: str) -> None:
    t = turn.t
    people = await on_behalf.search(turn.tx, turn.user, words)
    staff = turn.user is not None and STAFF in turn.user.roles
    text = t.plural("behalf.found", len(people), count=t.number(len(people))) if people else t("behalf.found_none")
    turn.say(text, views.found(t, people, staff))


def _refuse(turn: Turn) -> None:
    turn.answer(turn.t("common.stale_button"))
    turn.edit_trigger(turn.t("common.stale_message"))


@turn_handler
async def pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None
    button = callback_data.parse(query.data)
    t, user = turn.t, turn.user
    if button is None or user is None:
        _refuse(turn)
        return
    person_id = button.ident(1)
    try:
        match button.action:
            case "for" if person_id is not None:
                target = await on_behalf.resolve(turn.tx, user, person_id)
                turn.edit_trigger(t("behalf.filing_for", name=target.name))
                turn.goto(State.NEED, **intake.touch({FOR_RESIDENT: person_id}, turn.now))
                await steps.prompt(turn)
            case "find":
                people = await on_behalf.search(turn.tx, user, "")
                turn.edit_trigger(t("behalf.find_started"))
                turn.goto(State.BEHALF_SEARCH)
                if people:
                    await _search(turn, "")
                await prompt(turn)
            case "new":
                if await on_behalf.worker_community(turn.tx, user) is None:
                    raise on_behalf.BehalfError("behalf.workers_only")
                turn.edit_trigger(t("behalf.new_started"))
                turn.goto(State.BEHALF_NAME)
                await prompt(turn)
            case "consent" if turn.state is State.BEHALF_CONSENT:
                new_id = await on_behalf.record_offline(turn.tx, user, turn.data, turn.now)
                name = str(turn.data.get("name"))
                turn.edit_trigger(t("behalf.recorded", name=name),
                                  views.behalf_menu(t, [(new_id, name)], worker=False))  # fmt: skip
                await steps.enter(turn, home.home_state(turn))
            case "cancel" if turn.state is State.BEHALF_CONSENT:
                turn.edit_trigger(t("behalf.cancelled"))
                await steps.enter(turn, home.home_state(turn))
            case "del" if person_id is not None:
                person = await _deletable(turn, person_id)
                turn.edit_trigger(t("behalf.delete_ask", name=person), views.delete_confirm(t, person_id))
            case "dely" if person_id is not None:
                await _deletable(turn, person_id)
                name, erased = await on_behalf.delete_offline(turn.tx, user, person_id, turn.now)
                if erased is not None:  # told and blanked exactly as a withdrawal of consent is
                    await consent.tell_withdrawal(turn, erased)
                turn.edit_trigger(t("behalf.deleted", name=name))
            case "keep":
                turn.edit_trigger(t("behalf.kept"))
            case _:
                _refuse(turn)
    except on_behalf.BehalfError as error:
        turn.answer(t(error.key), alert=True)


async def _deletable(turn: Turn, person_id: int) -> str:
    """The name of a resident without chat that this staff member may delete (their community's), else refused."""
    offline = await turn.tx.behalf.offline(person_id)
    work = await on_behalf.worker_community(turn.tx, turn.user)
    if offline is None or work is None or work[0] != STAFF or work[1] != offline.community_id:
        raise on_behalf.BehalfError("behalf.not_allowed")
    return offline.name
