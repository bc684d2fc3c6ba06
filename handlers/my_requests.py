"""我的求助: a resident's requests, cancelling one, and rating one that is done."""

from __future__ import annotations

from telegram import Update

from core import intake, on_behalf
from core.dialog import State
from core.dispatch import dispatch
from core.requests import CANCELLABLE, Status, TransitionError, move
from handlers import callback_data, home, notify, steps
from handlers import intake_keyboards as ikb
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler
from storage.records import RequestRecord

REOPEN_NOTE = "not_solved"
MAX_COMMENT = 300


async def show(turn: Turn) -> None:
    t, user = turn.t, turn.user
    assert user is not None
    own = await turn.tx.requests.of_resident(user.telegram_id, limit=10)
    filed = await on_behalf.filed_requests(turn.tx, user, limit=10)  # 代办: filed for others while still allowed
    requests = [*own, *filed]
    if not requests:
        turn.say(t("requests.none_yet"))
        return
    lines = [t("requests.title")]
    for r in requests:
        if r is (filed[0] if filed else None):
            lines.append(t("behalf.filed_title"))
        need = r.need_text if len(r.need_text) <= 30 else r.need_text[:29] + "…"
        lines.append(
            t("requests.line", reference=r.reference, status=t(f"status.{r.status}"), need=need,
              date=t.datetime(r.created_at))
        )  # fmt: skip
    cancellable = [(r.id, r.reference) for r in requests if Status(r.status) in CANCELLABLE]
    turn.say("\n\n".join(lines), ikb.my_requests(t, cancellable))


async def _own_request(turn: Turn, raw_id: str, *, rating: bool = False) -> RequestRecord | None:
    """The request, if it exists and whoever pressed the button may act on it: its resident, or someone acting
    for them (代办): whoever filed it may cancel it; the rating is given by the resident, or by the person who
    answers for a resident without a chat (core.on_behalf)."""
    request_id = callback_data.ident(raw_id)
    if turn.user is None or request_id is None:
        return None
    request = await turn.tx.requests.get(request_id)
    if request is None:
        return None
    me = turn.user.telegram_id
    if rating:
        return request if await on_behalf.answers_for(turn.tx, request, me) else None
    return request if await on_behalf.may_cancel(turn.tx, me, request) else None


def _for_whom(request: RequestRecord, actor_id: int) -> int | None:
    """The resident, when the actor acts for them (recorded in history)."""
    return request.resident_id if request.resident_id != actor_id else None


def _refuse(turn: Turn) -> None:
    turn.answer(turn.t("common.stale_button"))
    turn.edit_trigger(turn.t("common.stale_message"))


@turn_handler
async def request_pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None
    pressed = callback_data.parse(query.data)
    action, raw_id = (pressed.action, pressed.part(1)) if pressed else ("", "")
    request = await _own_request(turn, raw_id)
    t = turn.t
    if request is None or Status(request.status) not in CANCELLABLE:
        _refuse(turn)
        return
    if action == "cancel":
        turn.edit_trigger(t("requests.cancel_confirm", reference=request.reference), ikb.confirm_cancel(t, request.id))
    elif action == "cancel_yes":
        actor = turn.user.telegram_id if turn.user else request.resident_id
        change = await move(turn.tx, request, Status.CANCELLED, turn.now, actor, None, _for_whom(request, actor))
        await notify.announce(turn, [change])
        turn.edit_trigger(t("requests.cancelled", reference=request.reference))
    elif action == "cancel_no":
        turn.edit_trigger(t("requests.not_cancelled", reference=request.reference))
    else:
        _refuse(turn)


@turn_handler
async def rating_pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None
    pressed = callback_data.parse(query.data)
    raw_id, choice = (pressed.part(0), pressed.part(1)) if pressed else ("", "")
    request = await _own_request(turn, raw_id, rating=True)
    t = turn.t
    if request is None or turn.user is None or request.status != Status.DONE.value:
        _refuse(turn)
        return
    if choice == "unsolved":
        try:
            me = turn.user.telegram_id
            reopened = await move(turn.tx, request, Status.SUBMITTED, turn.now, me, REOPEN_NOTE, _for_whom(request, me))
        except TransitionError:
            _refuse(turn)
            return
        changes = [reopened, *await dispatch(turn.tx, reopened.request, turn.now, turn.services.dispatch_top_k)]
        await notify.announce(turn, changes, resident_told=True)
        turn.edit_trigger(t("rating.reopened", reference=request.reference))
        return
    if choice not in {"1", "2", "3", "4", "5"}:
        _refuse(turn)
        return
    me = turn.user.telegram_id
    await turn.tx.requests.set_rating(request.id, int(choice), None, turn.now)
    await turn.tx.behalf.set_rated_by(request.id, me)  # the resident, or who rated for them (代为评价)
    await move(turn.tx, request, Status.RATED, turn.now, me, None, _for_whom(request, me))
    turn.edit_trigger(t("rating.thanks", stars="⭐" * int(choice), reference=request.reference))
    turn.goto(State.RATE_COMMENT, request_id=request.id, rating=int(choice), return_to=turn.state.value)
    await steps.prompt(turn)


async def on_comment(turn: Turn, text: str) -> None:
    request_id, rating = turn.data.get("request_id"), turn.data.get("rating")
    if turn.services.i18n.matches("intake.skip", text) or turn.services.i18n.matches("common.cancel", text):
        turn.say(turn.t("rating.no_comment"))
    else:
        try:
            comment = intake.clean_text(text, MAX_COMMENT, "intake.too_long")
        except intake.AnswerError as error:
            turn.say(turn.t(error.key, **error.values))
            return
        if isinstance(request_id, int) and isinstance(rating, int):
            await turn.tx.requests.set_rating(request_id, rating, comment, turn.now)
        turn.say(turn.t("rating.comment_saved"))
    await steps.enter(turn, home.home_state(turn))  # who rated for someone (代为评价) may have no resident menu
