"""The supervising social worker's side of service hours: the question on one figure of a volunteer's hours
(sent when the figure is given, and again in the supervisor's /hours while it waits), the answer to its buttons
sv:hok|hflag:<entry>, and the staff's news of a flag. The figure's own row says whose it is and which task; the
presser must be that volunteer's supervisor now (core.hours.review), so a figure whose ask went to a former
supervisor, or to nobody, is answered from the new supervisor's /hours."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from core import hours
from handlers.callback_data import Callback
from handlers.hours_words import button, duration
from handlers.turn import Turn
from storage.hours_records import CONFIRMED, FLAGGED
from storage.records import Provider, RequestRecord, channel_of

SUPERVISE = "sv"  # handlers.provider.SUPERVISE: the supervisor's buttons
CONFIRM_FIGURE, FLAG_FIGURE = "hok", "hflag"  # sv:hok|hflag:<entry>, beside the task's own sv:ok|flag
FIGURE_ACTIONS = (CONFIRM_FIGURE, FLAG_FIGURE)
AWAITING_SHOWN = 5  # a supervisor's /hours shows this many waiting figures as questions


def figure_ask(
    t: Translator, name: str, reference: str, entry_id: int, minutes: int, previous: int | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The supervisor's question on one figure, with its buttons sv:hok|hflag:<entry> (the figure's id says whose
    and which task: nothing else on the button is trusted)."""
    key = "hours.supervisor_ask" if previous is None else "hours.supervisor_ask_corrected"
    text = t(key, name=name, reference=reference, duration=duration(t, minutes), previous=duration(t, previous or 0))
    markup = InlineKeyboardMarkup([[button(t("hours.supervisor_confirm"), f"{SUPERVISE}:{CONFIRM_FIGURE}:{entry_id}"),
                                    button(t("supervise.flag"), f"{SUPERVISE}:{FLAG_FIGURE}:{entry_id}")]])  # fmt: skip
    return text, markup


async def supervise_figure(turn: Turn, pressed: Callback) -> None:
    """sv:hok|hflag:<entry>: the supervisor's word on one figure of a volunteer's hours; a flag goes to staff."""
    t, user = turn.t, turn.user
    entry_id = pressed.ident(1)
    if user is None or entry_id is None or len(pressed.parts) != 2:
        turn.answer(t("common.stale_button"))
        return
    decision = CONFIRMED if pressed.action == CONFIRM_FIGURE else FLAGGED
    try:
        entry = await hours.review(turn.tx, entry_id, user.telegram_id, decision, turn.now)
    except hours.HoursError as error:
        turn.answer(t(error.key), alert=error.key == "hours.not_supervisor")
        if error.key == "hours.review_stale":
            turn.edit_trigger(t("hours.review_stale"))
        return
    key = "hours.supervisor_confirmed" if decision == CONFIRMED else "hours.supervisor_flagged"
    turn.edit_trigger(t(key, reference=entry.reference, duration=duration(t, entry.minutes)))
    if decision == FLAGGED:
        request = await turn.tx.requests.get(entry.request_id)
        volunteer = await turn.tx.providers.get(entry.person_id)
        if request is not None and volunteer is not None:
            await tell_staff_of_flag(turn, request, volunteer)


async def translator_of(turn: Turn, person_id: int) -> Translator:
    person = await turn.tx.users.get(person_id)
    return turn.services.i18n.translator(person.locale if person else None, channel_of(person_id))


async def tell_staff_of_flag(turn: Turn, request: RequestRecord, volunteer: Provider) -> None:
    """A supervisor's 有问题 (on a task or on a figure of its hours) goes to the community's staff."""
    for staff_id in await turn.tx.users.with_role("staff", request.community_id):
        st = await translator_of(turn, staff_id)
        text = st("supervise.flag_news", reference=request.reference, name=volunteer.display_name)
        await turn.tx.outbox.enqueue(staff_id, text, None, turn.now)
        turn.enqueued = True


async def show_awaiting(turn: Turn, supervisor_id: int) -> int:
    """A supervisor's /hours: their volunteers' figures that wait for a word, each as its own question (the same
    as the one sent when it was given), the first few; how many wait in all."""
    waiting = await hours.awaiting(turn.tx, supervisor_id)
    if waiting:
        turn.say(turn.t.plural("hours.awaiting_header", len(waiting), count=turn.t.number(len(waiting))))
    for volunteer, item in waiting[:AWAITING_SHOWN]:
        previous = item.history[-2].minutes if len(item.history) > 1 else None
        turn.say(*figure_ask(turn.t, volunteer.display_name, item.reference, item.entry.id, item.minutes, previous))
    return len(waiting)
