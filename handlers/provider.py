"""Social workers, volunteers and organisation members: task pushes (接单 / 不接), progress, /duty.

Every action checks that the presser is the provider the offer or task belongs to; only the winner of
an accept sees the resident's contact and address.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core import hours, intake, tasks
from core.dialog import State
from core.requests import Status
from handlers import callback_data, hours_review, notify, steps
from handlers import hours as hours_chat
from handlers import keyboards as kb
from handlers import provider_keyboards as pkb
from handlers.context import SansheContext
from handlers.intake_steps import when_label
from handlers.turn import Turn, turn_handler
from storage.records import HistoryEntry, RequestRecord

MAX_NOTE = 300
SUPERVISE = "sv"


def contact_details(turn: Turn, request: RequestRecord) -> str:
    t = turn.t
    lines = [
        t("task.won", reference=request.reference),
        t("task.detail_need", need=request.need_text),
        t("task.detail_when", when=when_label(t, request.when_code, request.when_text)),
        t("task.detail_address", address=request.address or t("intake.summary_none")),
        t("task.detail_phone", phone=request.contact_phone or t("task.chat_only")),
    ]
    if request.latitude is not None and request.longitude is not None:
        lines.append(t("task.detail_location", lat=f"{request.latitude:.5f}", lon=f"{request.longitude:.5f}"))
    if request.note:
        lines.append(t("task.detail_note", note=request.note))
    return "\n".join(lines)


@turn_handler
async def task_pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None
    pressed = callback_data.parse(query.data)
    t, user = turn.t, turn.user
    provider = await turn.tx.providers.get(user.telegram_id) if user else None
    request_id = pressed.ident(1) if pressed else None
    if provider is None or pressed is None or request_id is None:
        turn.answer(t("task.not_a_provider"), alert=True)
        return
    action = pressed.action
    try:
        match action:
            case "accept":
                outcome = await tasks.accept(turn.tx, request_id, provider.telegram_id, turn.now)
                if not outcome.won:
                    turn.answer(t("task.taken"), alert=True)
                    turn.edit_trigger(t("task.taken"))
                    return
                await notify.announce(turn, outcome.changes)
                await notify.rewrite_pushes(turn, outcome.closed_offers, "task.taken")
                request = outcome.changes[-1].request
                turn.edit_trigger(contact_details(turn, request), pkb.progress(t, request_id, started=False))
            case "decline":
                top_k = turn.services.dispatch_top_k
                outcome = await tasks.decline(turn.tx, request_id, provider.telegram_id, turn.now, top_k)
                await notify.announce(turn, outcome.changes)
                turn.edit_trigger(t("task.declined"))
            case "start":
                outcome = await tasks.set_off(turn.tx, request_id, provider.telegram_id, turn.now)
                await notify.announce(turn, outcome.changes)
                turn.edit_trigger(contact_details(turn, outcome.changes[-1].request), pkb.progress(t, request_id, True))
                turn.answer(t("task.set_off_done"))
            case "done" | "cannot":
                await tasks.own_open_task(turn.tx, request_id, provider.telegram_id)
                turn.goto(State.PROVIDER_NOTE, request_id=request_id, action=action, return_to=turn.state.value)
                await steps.prompt(turn)
            case _:
                raise tasks.TaskError(action)
    except tasks.TaskError:
        turn.answer(t("common.stale_button"))
        turn.edit_trigger(t("common.stale_message"))


async def on_note(turn: Turn, text: str) -> None:
    """The note of 完成 or the reason of 无法完成."""
    t, data = turn.t, turn.data
    return_to = State.parse(str(data.get("return_to", State.MENU.value)))
    markup = kb.main_menu_keyboard(t) if return_to is State.MENU else kb.remove_keyboard()
    if turn.services.i18n.matches("common.cancel", text) or turn.services.i18n.matches("common.back", text):
        turn.say(t("task.note_abandoned"), markup)
        turn.goto(return_to)
        return
    try:
        note = intake.clean_text(text, MAX_NOTE, "intake.too_long")
    except intake.AnswerError as error:
        turn.say(t(error.key, **error.values))
        return
    assert turn.user is not None
    request_id, provider_id = int(data.get("request_id", 0)), turn.user.telegram_id
    try:
        if data.get("action") == "done":
            outcome = await tasks.finish(turn.tx, request_id, provider_id, note, turn.now)
            await _tell_supervisor(turn, outcome.changes[-1].request, note)
            reply = t("task.finished", reference=outcome.changes[-1].request.reference)
        else:
            outcome = await tasks.give_up(
                turn.tx, request_id, provider_id, note, turn.now, turn.services.dispatch_top_k
            )
            reply = t("task.given_up", reference=outcome.changes[0].request.reference)
    except tasks.TaskError:
        turn.say(t("common.stale_button"), markup)
        turn.goto(return_to)
        return
    await notify.announce(turn, outcome.changes)
    turn.say(reply, markup)
    turn.goto(return_to)
    if data.get("action") == "done":  # then how long it took (the task is finished whether or not they answer)
        await hours_chat.ask_time(turn, request_id, outcome.changes[-1].request.reference, return_to)


async def _tell_supervisor(turn: Turn, request: RequestRecord, note: str) -> None:
    """A volunteer's finished task is shown to the supervising social worker, in the words of their channel. The
    buttons carry the volunteer's id: the word is on their work even if the task changes hands later."""
    assert turn.user is not None
    provider = await turn.tx.providers.get(turn.user.telegram_id)
    if provider is None or provider.kind != "volunteer" or provider.supervisor_id is None:
        return
    t = await hours_review.translator_of(turn, provider.supervisor_id)
    text = t("task.supervisor_news", name=provider.display_name, reference=request.reference, note=note)
    ids = f"{request.id}:{provider.telegram_id}"
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("supervise.confirm"), callback_data=f"{SUPERVISE}:ok:{ids}"),
          InlineKeyboardButton(t("supervise.flag"), callback_data=f"{SUPERVISE}:flag:{ids}")]]
    )  # fmt: skip
    await turn.tx.outbox.enqueue(provider.supervisor_id, text, markup.to_dict(), turn.now)
    turn.enqueued = True


@turn_handler
async def supervise_pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    """The supervising social worker's buttons. sv:ok|flag:<request>:<volunteer> confirms a volunteer's finished
    task, or flags it to community staff (sv:ok|flag:<request>, sent before the volunteer's id was added, stands
    for the request's provider). sv:hok|hflag:<entry> is a word on one figure of hours (handlers.hours)."""
    query = update.callback_query
    assert query is not None
    pressed = callback_data.parse(query.data)
    t = turn.t
    action = pressed.action if pressed else ""
    if pressed is not None and action in hours_review.FIGURE_ACTIONS:
        await hours_review.supervise_figure(turn, pressed)
        return
    request_id = pressed.ident(1) if pressed else None
    request = await turn.tx.requests.get(request_id) if request_id is not None else None
    size = len(pressed.parts) if pressed else 0
    person_id = pressed.ident(2) if pressed and size == 3 else (request.provider_id if request and size == 2 else None)
    try:
        if turn.user is None or request is None or person_id is None or action not in ("ok", "flag"):
            raise hours.HoursError("hours.not_supervisor")
        volunteer = await hours.supervised(turn.tx, request.id, person_id, turn.user.telegram_id)
    except hours.HoursError:
        turn.answer(t("task.not_a_provider"), alert=True)
        return
    status = request.status
    note = "supervisor_confirmed" if action == "ok" else "supervisor_flagged"
    await turn.tx.requests.add_history(HistoryEntry(request.id, turn.now, turn.user.telegram_id, status, status, note))
    if action == "ok":
        turn.edit_trigger(t("supervise.confirmed", reference=request.reference))
        return
    # 有问题 on the task: the volunteer's hours of it stop counting too, until a figure is confirmed after this.
    await hours.flag_task(turn.tx, request.id, volunteer.telegram_id, turn.user.telegram_id, turn.now)
    await hours_review.tell_staff_of_flag(turn, request, volunteer)
    turn.edit_trigger(t("supervise.flagged", reference=request.reference))


@turn_handler
async def tasks_command(update: Update, context: SansheContext, turn: Turn) -> None:
    """/tasks: the provider's open tasks, each with the resident's contact and its buttons again."""
    await show_tasks(turn)


async def show_tasks(turn: Turn) -> None:
    t, user = turn.t, turn.user
    provider = await turn.tx.providers.get(user.telegram_id) if user else None
    if provider is None:
        turn.say(t("task.not_a_provider"))
        return
    open_tasks = await turn.tx.requests.open_tasks(provider.telegram_id)
    if not open_tasks:
        turn.say(t("tasks.none"))
        return
    turn.say(t("tasks.header", count=t.number(len(open_tasks))))
    for request in open_tasks:
        started = request.status == Status.IN_PROGRESS
        turn.say(contact_details(turn, request), pkb.progress(t, request.id, started=started))


@turn_handler
async def duty(update: Update, context: SansheContext, turn: Turn) -> None:
    """/duty: on duty (tasks are pushed) or off duty (none are)."""
    user = turn.user
    provider = await turn.tx.providers.get(user.telegram_id) if user else None
    if provider is None:
        turn.say(turn.t("task.not_a_provider"))
        return
    await turn.tx.providers.set_on_duty(provider.telegram_id, not provider.on_duty)
    turn.say(turn.t("task.off_duty" if provider.on_duty else "task.on_duty"))
