"""Service hours in the chat: the time question after 完成, the buttons of service hours, and the supervisor's
confirmation of a volunteer's figure. /hours itself is handlers.hours_ledger (providers) and handlers.hours_export
(staff). Rules in core.hours; this module only talks.

Buttons (`hr:` prefix, ≤ 64 bytes): hr:m:<request>:<minutes> answers the time question, hr:later:<request> leaves
it for later, hr:add:<request> asks it (again: a correction) from /hours or from the answer's 更正 button,
hr:cert:<y|ly|all> and hr:cert:<yyyymmdd>:<yyyymmdd> make a certificate. Whose hours they are always comes from the
presser, never from the button: core.hours refuses a task the presser did not finish. The supervisor's buttons on a
figure are sv:hok|hflag:<entry> (handled with the task's own sv: buttons in handlers.provider); the figure's row says
whose it is and which task, and the presser must be that volunteer's supervisor now.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.i18n import Translator
from core import hours
from core.dialog import State
from handlers import home, hours_export, hours_ledger, hours_review
from handlers.callback_data import parse
from handlers.context import SansheContext
from handlers.hours_words import HOURS, button, duration
from handlers.turn import Turn, turn_handler

# Where nothing half-typed is lost by asking the time: home, or an onboarding question (a choice, not a draft).
# Any other state (a need being filed, a note, a vote being set up…) refuses 补填 / 更正 until it is done.
RESTING = (State.MENU, State.WORK, State.NEW, State.LANGUAGE, State.CONSENT, State.DECLINED, State.COMMUNITY)
hours_command = hours_ledger.hours_command  # /hours, registered as hours.hours_command beside hours.pressed


def time_keyboard(t: Translator, request_id: int) -> InlineKeyboardMarkup:
    quick = [button(t("hours.half_day") if m == hours.HALF_DAY else duration(t, m), f"{HOURS}:m:{request_id}:{m}")
             for m in hours.QUICK_MINUTES]  # fmt: skip
    rows = [quick[i : i + 3] for i in range(0, len(quick), 3)]
    return InlineKeyboardMarkup([*rows, [button(t("hours.later"), f"{HOURS}:later:{request_id}")]])


async def ask_time(turn: Turn, request_id: int, reference: str, return_to: State) -> None:
    """After 完成 (or 补填 / 更正 from /hours): ask how long the task took, by buttons or typed. A task has one figure
    per person: when it has one already (更正, or a reopened task finished again) the question says the answer is
    the task's whole time and replaces that figure."""
    assert turn.user is not None
    standing = hours.current_entry(await turn.tx.hours.entries(turn.user.telegram_id), request_id)
    turn.goto(State.HOURS, request_id=request_id, reference=reference, return_to=return_to.value,
              standing=standing.minutes if standing else 0)  # fmt: skip
    prompt(turn)


def prompt(turn: Turn) -> None:
    """The question (again, after /help or a stray input)."""
    t, request_id = turn.t, int(turn.data.get("request_id", 0))
    reference, standing = str(turn.data.get("reference", "")), int(turn.data.get("standing", 0))
    text = t("hours.ask", reference=reference, maximum=hours.MAX_MINUTES // 60)
    if standing:
        text = t("hours.ask_again", reference=reference, duration=duration(t, standing),
                 maximum=hours.MAX_MINUTES // 60)  # fmt: skip
    turn.say(text, time_keyboard(t, request_id))


def _leave(turn: Turn) -> None:
    if turn.state is State.HOURS:
        turn.goto(State.parse(str(turn.data.get("return_to", State.MENU.value))))


def _looks_like_time(text: str) -> bool:
    return any(c.isdigit() or c in "零〇一二两俩三四五六七八九十半" for c in text)


async def on_text(turn: Turn, text: str) -> bool:
    """A typed answer to the time question. False: the text was not meant as one (a menu button, a word):
    the step is left and the caller routes the text as the home step would."""
    i18n, t = turn.services.i18n, turn.t
    if i18n.matches("common.cancel", text) or i18n.matches("common.back", text):
        _leave(turn)
        turn.say(t("hours.later_done"))
        return True
    if not _looks_like_time(text):
        _leave(turn)
        return False
    try:
        minutes = hours.parse_duration(text)
    except hours.HoursError as error:
        turn.say(t(error.key, **error.values))
        prompt(turn)
        return True
    await _record(turn, int(turn.data.get("request_id", 0)), minutes, edit=False)
    return True


async def _record(turn: Turn, request_id: int, minutes: int, *, edit: bool) -> None:
    t, user = turn.t, turn.user
    assert user is not None
    try:
        recorded = await hours.record(turn.tx, request_id, user.telegram_id, minutes, turn.now)
    except hours.HoursError as error:
        if edit:  # a button of a task that is not theirs: their own dialog is left where it was
            turn.answer(t(error.key, **error.values), alert=True)
        else:
            turn.say(t(error.key, **error.values))
            _leave(turn)
        return
    _leave(turn)
    key = "hours.recorded" if recorded.previous is None else "hours.corrected"
    text = t(key, reference=recorded.reference, duration=duration(t, minutes),
             previous=duration(t, recorded.previous or minutes))  # fmt: skip
    if recorded.needs_review:  # with no supervisor, say so: nobody is asked until one is set
        text += "\n" + t("hours.awaiting_supervisor" if recorded.supervisor_id else "hours.no_supervisor")
    fix = InlineKeyboardMarkup([[button(t("hours.correct"), f"{HOURS}:add:{request_id}")]])
    if edit:
        turn.edit_trigger(text, fix)
        turn.answer(t("hours.saved"))
    else:
        turn.say(text, fix)
    if recorded.needs_review and not recorded.unchanged and recorded.supervisor_id is not None:
        await _ask_supervisor(turn, recorded)


async def _ask_supervisor(turn: Turn, recorded: hours.Recorded) -> None:
    """A volunteer's figure (new or corrected) goes to their supervisor: a confirmation covers exactly the figure
    shown, so a correction is asked again."""
    assert turn.user is not None and recorded.supervisor_id is not None
    volunteer = await turn.tx.providers.get(turn.user.telegram_id)
    st = await hours_review.translator_of(turn, recorded.supervisor_id)  # a WeChat supervisor gets WeChat's words
    text, markup = hours_review.figure_ask(st, volunteer.display_name if volunteer else "", recorded.reference,
                                           recorded.entry_id, recorded.minutes, recorded.previous)  # fmt: skip
    await turn.tx.outbox.enqueue(recorded.supervisor_id, text, markup.to_dict(), turn.now)
    turn.enqueued = True


@turn_handler
async def pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None
    t, user = turn.t, turn.user
    provider = await turn.tx.providers.get(user.telegram_id) if user else None
    data = parse(query.data)
    if data is not None and data.prefix == HOURS and data.action == "x":  # staff's export (hours_export)
        await hours_export.pressed(turn, data)
        return
    if provider is None or data is None or data.prefix != HOURS:
        turn.answer(t("hours.not_a_provider"), alert=True)
        return
    request_id = data.ident(1)
    match data.action:
        case "m" if request_id is not None and len(data.parts) == 3 and data.ident(2) is not None:
            minutes = data.ident(2, upper=hours.MAX_MINUTES * 10)
            if minutes is None or minutes not in hours.QUICK_MINUTES:
                turn.answer(t("common.stale_button"))
                return
            await _record(turn, request_id, minutes, edit=True)
        case "later" if request_id is not None and len(data.parts) == 2:
            if await turn.tx.hours.finished_at(request_id, provider.telegram_id) is None:
                turn.answer(t("hours.not_yours"), alert=True)
                return
            _leave(turn)
            turn.edit_trigger(t("hours.later_done"))
        case "add" if request_id is not None and len(data.parts) == 2:
            request = await turn.tx.requests.get(request_id)
            if request is None or await turn.tx.hours.finished_at(request_id, provider.telegram_id) is None:
                turn.answer(t("hours.not_yours"), alert=True)
                return
            # Only from where the chat rests (or from another time question): a half-typed step (a need being
            # filed, a 完成 note) would be dropped by asking here, so it is finished or cancelled first.
            if turn.state not in RESTING and turn.state is not State.HOURS:
                turn.answer(t("hours.finish_draft_first"), alert=True)
                return
            back = State.parse(str(turn.data.get("return_to"))) if turn.state is State.HOURS else turn.state
            back = back if back in (State.MENU, State.WORK) else home.home_state(turn)
            turn.answer()
            await ask_time(turn, request_id, request.reference, back)
        case "cert":
            period = hours_ledger.cert_period(data.parts, hours_ledger.tz_today(turn))
            if period is None:
                turn.answer(t("hours.bad_button_period"), alert=True)
                return
            await hours_ledger.certificate(turn, provider.telegram_id, *period)
        case _:
            turn.answer(t("common.stale_button"))
