"""/vote for residents: the open rounds of their own community, a ballot of buttons, one changeable vote."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core import votes
from core.broadcast import NotAllowed
from handlers import vote_views as views
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler


@turn_handler
async def vote_command(update: Update, context: SansheContext, turn: Turn) -> None:
    t = turn.t
    try:
        community_id = votes.resident_community(turn.user)
    except NotAllowed:
        turn.say(t("vote.residents_only"))
        return
    rounds = await turn.tx.votes.rounds(community_id, votes.LISTED_ROUNDS)
    open_rounds = [r for r in rounds if votes.is_open(r, turn.now)]
    if len(open_rounds) == 1:
        await _show(turn, open_rounds[0].id, edit=False)
        return
    if not rounds:
        turn.say(t("vote.none"))
        return
    buttons = [[InlineKeyboardButton(views.round_label(t, r), callback_data=f"{views.VOTE}:show:{r.id}")]
               for r in rounds]  # fmt: skip
    turn.say(t("vote.pick_round") if open_rounds else t("vote.none_open"), InlineKeyboardMarkup(buttons))


@turn_handler
async def vote_pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    t = turn.t
    try:
        numbers = views.ids(parts[2:])
        if parts[1] == "show" and numbers is not None and len(numbers) == 1:
            await _show(turn, numbers[0], edit=True)
        elif parts[1] == "v" and numbers is not None and len(numbers) == 2:
            await _cast(turn, *numbers)
        else:
            turn.answer(t("common.stale_button"))
    except NotAllowed:
        turn.answer(t("vote.not_your_community"), alert=True)


async def _show(turn: Turn, round_id: int, *, edit: bool) -> None:
    vote_round = await votes.round_for_resident(turn.tx, turn.user, round_id)
    t = turn.t
    if votes.is_open(vote_round, turn.now):
        assert turn.user is not None
        projects = await turn.tx.votes.projects(round_id)
        mine = await turn.tx.votes.vote_of(round_id, turn.user.telegram_id)
        text = views.ballot_text(t, vote_round, projects, mine)
        markup = views.ballot_keyboard(t, vote_round, projects, mine)
    else:
        text, markup = views.results_text(t, await votes.results(turn.tx, vote_round), with_notes=False), None
    if edit:
        turn.answer()
        turn.edit_trigger(text, markup)
    else:
        turn.say(text, markup)


async def _cast(turn: Turn, round_id: int, project_id: int) -> None:
    t = turn.t
    try:
        project = await votes.cast(turn.tx, turn.user, round_id, project_id, turn.now)
    except votes.Closed:
        await _show(turn, round_id, edit=True)  # the ballot turns into the results
        turn.answer(t("vote.closed_already"), alert=True)
        return
    await _show(turn, round_id, edit=True)
    turn.answer(t("vote.cast", position=project.position, title=project.title))
