"""The least community staff need here: pick up an unmatched or escalated request, give it a service,
or close it with a note. Every action checks that the person is staff of that request's community."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core import intake
from core.dialog import State
from core.dispatch import dispatch
from core.requests import STAFF_QUEUE, Status, move
from handlers import callback_data, notify, steps
from handlers import keyboards as kb
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler
from storage.records import RequestRecord

STAFF_ROLE = "staff"
MAX_CLOSE_NOTE = 300


async def _case(turn: Turn, raw_id: str) -> RequestRecord | None:
    """The request if the presser is staff of its community and it still waits for staff; else None."""
    request_id = callback_data.ident(raw_id)
    if turn.user is None or STAFF_ROLE not in turn.user.roles or request_id is None:
        return None
    request = await turn.tx.requests.get(request_id)
    if request is None:
        return None
    if await turn.tx.users.role_community(turn.user.telegram_id, STAFF_ROLE) != request.community_id:
        return None
    return request


@turn_handler
async def staff_pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None
    pressed = callback_data.parse(query.data)
    action, raw_id, rest = (pressed.action, pressed.part(1), pressed.parts[2:]) if pressed else ("", "", ())
    t = turn.t
    request = await _case(turn, raw_id)
    if request is None:
        turn.answer(t("staff.not_allowed"), alert=True)
        return
    if Status(request.status) not in STAFF_QUEUE:
        turn.answer(t("staff.already_handled", status=t(f"status.{request.status}")), alert=True)
        turn.edit_trigger(t("staff.already_handled", status=t(f"status.{request.status}")))
        return
    match action:
        case "assign":
            community = await turn.tx.communities.get(request.community_id)
            matcher = await turn.services.matchers.get(turn.tx)
            options = matcher.match(request.need_text, top=6, community=community.name if community else None)
            if not options:
                turn.answer(t("staff.no_service_fits"), alert=True)
                return
            rows = [
                [InlineKeyboardButton(m.name, callback_data=f"st:svc:{request.id}:{m.service_id}")] for m in options
            ]
            turn.edit_trigger(t("staff.pick_service", reference=request.reference), InlineKeyboardMarkup(rows))
        case "svc":
            service_id = rest[0] if rest else ""
            if not any(e.service_id == service_id for e in (await turn.services.matchers.get(turn.tx)).entries):
                turn.answer(t("common.stale_button"))
                return
            await turn.tx.requests.set_service(request.id, service_id, turn.now)
            refreshed = await turn.tx.requests.get(request.id)
            assert refreshed is not None
            changes = await dispatch(turn.tx, refreshed, turn.now, turn.services.dispatch_top_k)
            if not changes or changes[-1].after is not Status.DISPATCHED:
                # Nobody can take it: the service is noted, the case stays with staff.
                turn.answer(t("staff.no_provider"), alert=True)
                return
            await notify.announce(turn, changes)
            turn.edit_trigger(t("staff.assigned", reference=request.reference))
        case "close":
            turn.edit_trigger(t("staff.closing", reference=request.reference))
            turn.goto(State.STAFF_CLOSE_NOTE, request_id=request.id, return_to=turn.state.value)
            await steps.prompt(turn)
        case _:
            turn.answer(t("common.stale_button"))


async def on_close_note(turn: Turn, text: str) -> None:
    t = turn.t
    return_to = State.parse(str(turn.data.get("return_to", State.MENU.value)))
    if turn.services.i18n.matches("common.cancel", text) or turn.services.i18n.matches("common.back", text):
        _back_to(turn, return_to, t("staff.close_abandoned"))
        return
    try:
        note = intake.clean_text(text, MAX_CLOSE_NOTE, "intake.too_long")
    except intake.AnswerError as error:
        turn.say(t(error.key, **error.values))
        return
    request = await _case(turn, str(turn.data.get("request_id", "")))
    if request is None or Status(request.status) not in STAFF_QUEUE:
        _back_to(turn, return_to, t("staff.not_allowed"))
        return
    assert turn.user is not None
    change = await move(turn.tx, request, Status.DONE, turn.now, turn.user.telegram_id, note)
    await notify.announce(turn, [change])
    _back_to(turn, return_to, t("staff.closed", reference=request.reference))


def _back_to(turn: Turn, state: State, text: str) -> None:
    """Leave the note step: the main menu keyboard for someone in the menu, otherwise no keyboard."""
    markup = kb.main_menu_keyboard(turn.t) if state is State.MENU else kb.remove_keyboard()
    turn.say(text, markup)
    turn.goto(state)
