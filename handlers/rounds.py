"""/rounds for community staff: open a vote on projects, type in paper ballots, see results, close early.

Opening asks one thing at a time: the round's name, its closing day, then one candidate project per message,
how many projects will be funded, and a last look before it opens (with or without telling residents).
Every button re-checks that the presser is staff of the round's community.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from core import broadcast, votes
from core.broadcast import NotAllowed
from core.dialog import State
from handlers import intake_keyboards as ikb
from handlers import side_task
from handlers import vote_views as views
from handlers.context import SansheContext
from handlers.turn import Turn, turn_handler
from storage.records import VoteRound

MAX_FUNDED_CHOICES = 5


def _button(text: str, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text, callback_data=f"{views.ROUND}:{data}")]


@turn_handler
async def rounds_command(update: Update, context: SansheContext, turn: Turn) -> None:
    try:
        await _list(turn, edit=False)
    except NotAllowed:
        turn.say(turn.t("vote.staff_only"))


async def _list(turn: Turn, *, edit: bool) -> None:
    community_id = await turn.staff_community()
    t = turn.t
    rounds = await turn.tx.votes.rounds(community_id, votes.LISTED_ROUNDS)
    rows = [_button(views.round_label(t, r), f"show:{r.id}") for r in rounds]
    rows.append(_button(t("vote.new_button"), "new"))
    text = t("vote.staff_list") if rounds else t("vote.staff_list_empty")
    if edit:
        turn.edit_trigger(text, InlineKeyboardMarkup(rows))
    else:
        turn.say(text, InlineKeyboardMarkup(rows))


# --- opening a round, one question at a time -------------------------------------------------------------------


async def prompt(turn: Turn) -> None:
    """The question of the step the chat is in, asked again (after /help or a sticker, say)."""
    t = turn.t
    match turn.state:
        case State.ROUND_TITLE:
            turn.say(t("vote.title_prompt"))
        case State.ROUND_CLOSES:
            turn.say(t("vote.closes_prompt", days=votes.MAX_DAYS_OPEN))
        case State.ROUND_PROJECT:
            turn.say(*_next_project_question(turn))
        case State.ROUND_PAPER:
            project_id = int(turn.data.get("project_id", 0))
            projects = await turn.tx.votes.projects(int(turn.data.get("round_id", 0)))
            title = next((p.title for p in projects if p.id == project_id), "")
            turn.say(t("vote.paper_prompt", title=title))
        case _:
            turn.say(t("input.use_buttons"))


async def on_text(turn: Turn, text: str) -> None:
    """Typed answers in the ROUND_* steps."""
    t, i18n = turn.t, turn.services.i18n
    if i18n.matches("common.cancel", text) or i18n.matches("common.back", text):
        await side_task.leave(turn, t("vote.cancelled"))
        return
    try:
        await turn.staff_community()
        await _answer(turn, text)
    except votes.BadInput as bad:
        turn.say(t(bad.key, **bad.values))
    except NotAllowed:
        await side_task.leave(turn, t("vote.staff_only"))


async def _answer(turn: Turn, text: str) -> None:
    t, data = turn.t, turn.data
    if turn.state is State.ROUND_TITLE:
        turn.goto(State.ROUND_CLOSES, **{**data, "title": votes.parse_title(text)})
        turn.say(t("vote.closes_prompt", days=votes.MAX_DAYS_OPEN))
    elif turn.state is State.ROUND_CLOSES:
        closes_at = votes.parse_closing(text, turn.now, turn.services.i18n.tz)
        turn.goto(State.ROUND_PROJECT, **{**data, "closes_at": closes_at.isoformat(), "projects": []})
        turn.say(t("vote.project_prompt", number=1, closes=t.datetime(closes_at)))
    elif turn.state is State.ROUND_PROJECT:
        if turn.services.i18n.matches("vote.done_words", text):
            _ask_winners(turn)
            return
        draft = votes.parse_project(text)
        projects = [*data.get("projects", []), draft.__dict__]
        turn.goto(State.ROUND_PROJECT, **{**data, "projects": projects})
        if len(projects) >= votes.MAX_PROJECTS:
            _ask_winners(turn)
            return
        added = t("vote.project_added", number=len(projects), title=draft.title, budget=t.number(draft.budget_yuan))
        question, markup = _next_project_question(turn)
        turn.say(added + "\n\n" + question, markup)
    elif turn.state is State.ROUND_PAPER:
        await _paper_typed(turn, text)
    else:  # ROUND_CONFIRM waits for a button
        turn.say(t("input.use_buttons"))


def _next_project_question(turn: Turn) -> tuple[str, InlineKeyboardMarkup | None]:
    """Ask for the next project; once there are enough, a 完成 button too."""
    t, count = turn.t, len(turn.data.get("projects", []))
    if count < votes.MIN_PROJECTS:
        return t("vote.project_prompt_more", number=count + 1), None
    done = InlineKeyboardMarkup([_draft_button(turn, t("vote.done"), "done")])
    return t("vote.project_prompt_or_done", number=count + 1), done


def _draft_button(turn: Turn, text: str, data: str) -> list[InlineKeyboardButton]:
    return _button(text, f"{data}:{turn.data.get('draft')}")


def _can_fund(turn: Turn, winners: int) -> bool:
    return 1 <= winners < len(turn.data.get("projects", []))


def _drafts(data: dict[str, Any]) -> list[votes.ProjectDraft]:
    return [votes.ProjectDraft(**p) for p in data.get("projects", [])]


def _ask_winners(turn: Turn) -> None:
    t, count = turn.t, len(_drafts(turn.data))
    if count < votes.MIN_PROJECTS:
        turn.say(t("vote.bad_project_count", min=votes.MIN_PROJECTS, max=votes.MAX_PROJECTS))
        return
    turn.goto(State.ROUND_CONFIRM, **turn.data)
    choices = range(1, min(count - 1, MAX_FUNDED_CHOICES) + 1)
    row = [InlineKeyboardButton(t.number(n), callback_data=f"{views.ROUND}:win:{n}:{turn.data.get('draft')}")
           for n in choices]  # fmt: skip
    turn.say(t("vote.winners_prompt", count=count),
             InlineKeyboardMarkup([row, _draft_button(turn, t("common.cancel"), "cancel")]))  # fmt: skip


def _preview(turn: Turn) -> str:
    t, data = turn.t, turn.data
    closes_at = datetime.fromisoformat(str(data["closes_at"]))
    lines = "\n".join(
        t("vote.project_line", position=i, title=p.title, organization=p.organization, budget=t.number(p.budget_yuan))
        for i, p in enumerate(_drafts(data), start=1)
    )  # fmt: skip
    return t("vote.preview", title=data["title"], closes=t.datetime(closes_at), winners=data["winners"],
             projects=lines)  # fmt: skip


@turn_handler
async def round_pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, action, *args = query.data.split(":")
    t = turn.t
    try:
        await turn.staff_community()
        if action in ("win", "open", "cancel", "done"):
            await _opening_step(turn, action, args)
        elif action == "list":
            await _list(turn, edit=True)
        elif action == "new":
            # Buttons of this draft carry its token, so those of an earlier, abandoned draft are stale.
            side_task.begin(turn, State.ROUND_TITLE, draft=secrets.token_hex(3))
            turn.edit_trigger(t("vote.new_started"))
            turn.say(t("vote.title_prompt"), ikb.typing_only(t))
        elif (numbers := views.ids(args)) and numbers:
            await _round_action(turn, action, numbers[0], numbers[1:])
        else:
            turn.answer(t("common.stale_button"))
    except NotAllowed:
        turn.answer(t("vote.staff_only"), alert=True)
    except votes.Closed:
        turn.answer(t("vote.closed_already"), alert=True)
    except votes.BadInput as bad:  # e.g. the closing time passed while the preview was open
        turn.answer(t(bad.key, **bad.values), alert=True)
        turn.say(t(bad.key, **bad.values))


async def _opening_step(turn: Turn, action: str, args: list[str]) -> None:
    t = turn.t
    if not args or args[-1] != turn.data.get("draft"):  # a button of another draft, or of none
        turn.answer(t("common.stale_button"))
        return
    args = args[:-1]
    if action == "cancel" and turn.state in (State.ROUND_CONFIRM, State.ROUND_PROJECT):
        turn.edit_trigger(t("vote.cancelled"))
        await side_task.leave(turn, t("vote.cancelled"))
    elif action == "done" and turn.state is State.ROUND_PROJECT:
        turn.edit_trigger(t("vote.projects_done"))
        _ask_winners(turn)
    elif action == "win" and turn.state is State.ROUND_CONFIRM and (n := views.ids(args)) and _can_fund(turn, n[0]):
        turn.goto(State.ROUND_CONFIRM, **{**turn.data, "winners": n[0]})
        markup = InlineKeyboardMarkup(
            [_draft_button(turn, t("vote.open_notify"), "open:notify"),
             _draft_button(turn, t("vote.open_quiet"), "open:quiet"), _draft_button(turn, t("common.cancel"), "cancel")]
        )  # fmt: skip
        turn.edit_trigger(_preview(turn), markup)
    elif action == "open" and turn.state is State.ROUND_CONFIRM and "winners" in turn.data:
        await _open(turn, notify=args == ["notify"])
    else:
        turn.answer(t("common.stale_button"))


async def _open(turn: Turn, *, notify: bool) -> None:
    t, data = turn.t, turn.data
    assert turn.user is not None
    closes_at = datetime.fromisoformat(str(data["closes_at"]))
    round_id = await votes.open_round(turn.tx, turn.user.telegram_id, str(data["title"]), closes_at,
                                      int(data["winners"]), _drafts(data), turn.now)  # fmt: skip
    vote_round = await turn.tx.votes.get_round(round_id)
    assert vote_round is not None
    turn.edit_trigger(t("vote.opened", title=vote_round.title))
    if notify:
        queued = await _tell_residents(turn, vote_round)
        await side_task.leave(turn, t.plural("vote.opened_notified_n", queued, total=t.number(queued)))
    else:
        await side_task.leave(turn, t("vote.opened_quiet"))
    await _show_round(turn, vote_round, edit=False)


async def _tell_residents(turn: Turn, vote_round: VoteRound) -> int:
    """The news goes out as an announcement to the community's residents, with a 去投票 button."""
    assert turn.user is not None
    i18n = turn.services.i18n
    community = await turn.tx.communities.get(vote_round.community_id)
    name = community.name if community else ""

    def render(locale: str) -> str:
        tr = i18n.translator(locale)
        return tr("vote.news", community=name, title=vote_round.title, closes=tr.datetime(vote_round.closes_at))

    queued = await broadcast.announce(
        turn.tx, turn.user.telegram_id, render(turn.t.locale), "residents", render, turn.now,
        markup=lambda locale: views.go_vote_keyboard(i18n.translator(locale), vote_round.id).to_dict(),
    )  # fmt: skip
    turn.enqueued = True
    return queued.total


# --- an open or closed round ----------------------------------------------------------------------------------


async def _round_action(turn: Turn, action: str, round_id: int, rest: list[int]) -> None:
    assert turn.user is not None
    t = turn.t
    vote_round = await votes.round_for_staff(turn.tx, turn.user.telegram_id, round_id)
    if action == "show":
        await _show_round(turn, vote_round, edit=True)
    elif action == "paper" and not rest:
        if not votes.takes_paper(vote_round):
            raise votes.Closed()
        projects = await turn.tx.votes.projects(round_id)
        rows = [_button(t("vote.button", position=p.position, title=p.title), f"pp:{round_id}:{p.id}")
                for p in projects]  # fmt: skip
        rows.append(_button(t("common.back"), f"show:{round_id}"))
        turn.edit_trigger(t("vote.paper_pick"), InlineKeyboardMarkup(rows))
    elif action == "pp" and len(rest) == 1:
        project = await votes.project_of(turn.tx, round_id, rest[0])
        if not votes.takes_paper(vote_round):
            raise votes.Closed()
        side_task.begin(turn, State.ROUND_PAPER, round_id=round_id, project_id=project.id)
        turn.edit_trigger(t("vote.paper_for", position=project.position, title=project.title))
        turn.say(t("vote.paper_prompt", title=project.title), ikb.typing_only(t))
    elif action in ("close", "publish") and not rest:
        markup = InlineKeyboardMarkup(
            [_button(t(f"vote.{action}_confirm"), f"{action}ok:{round_id}"),
             _button(t("common.back"), f"show:{round_id}")]
        )  # fmt: skip
        turn.edit_trigger(t(f"vote.{action}_ask", title=vote_round.title), markup)
    elif action == "void" and not rest:
        notes = await turn.tx.votes.paper_notes(round_id)
        if not notes or not votes.takes_paper(vote_round):
            raise votes.Closed()
        project = await votes.project_of(turn.tx, round_id, notes[-1][0])
        markup = InlineKeyboardMarkup(
            [_button(t("vote.void_confirm"), f"voidok:{round_id}"), _button(t("common.back"), f"show:{round_id}")]
        )  # fmt: skip
        turn.edit_trigger(t("vote.void_ask", title=project.title, ballots=t.number(notes[-1][1]), note=notes[-1][2]),
                          markup)  # fmt: skip
    elif action == "voidok" and not rest:
        voided = await votes.void_last_paper(turn.tx, turn.user.telegram_id, round_id, turn.now)
        if voided is not None:
            project, ballots, note = voided
            turn.answer(t("vote.voided", title=project.title, ballots=t.number(ballots), note=note))
        await _show_round(turn, vote_round, edit=True)
    elif action == "paperok" and len(rest) == 1:
        await _paper_confirmed(turn, round_id, rest[0])
    elif action == "closeok" and not rest:
        ended = await votes.end_voting_early(turn.tx, turn.user.telegram_id, round_id, turn.now)
        if ended is None:
            raise votes.Closed()
        await _show_round(turn, ended, edit=True)
    elif action == "publishok" and not rest:
        results = await votes.publish_now(turn.tx, turn.user.telegram_id, round_id, turn.now)
        if results is None:
            raise votes.Closed()
        await announce_results(turn, results)
        await _show_round(turn, results.round, edit=True)
    else:
        turn.answer(t("common.stale_button"))


async def _show_round(turn: Turn, vote_round: VoteRound, *, edit: bool) -> None:
    t = turn.t
    results = await votes.results(turn.tx, vote_round)
    text = views.results_text(t, results, with_notes=True)
    markup = views.staff_round_keyboard(t, vote_round, has_paper=bool(results.paper_notes))
    if edit:
        turn.edit_trigger(text, markup)
    else:
        turn.say(text, markup)


async def _paper_typed(turn: Turn, text: str) -> None:
    """Read the count and the note, then ask before counting them. Until the result is published the latest batch
    can still be taken back (↩️ on the round), so the question does not say it cannot."""
    ballots, note = votes.parse_paper(text)
    round_id, project_id = int(turn.data["round_id"]), int(turn.data["project_id"])
    project = await votes.project_of(turn.tx, round_id, project_id)
    turn.goto(State.ROUND_PAPER, **{**turn.data, "ballots": ballots, "note": note})
    t = turn.t
    markup = InlineKeyboardMarkup(
        [_button(t("vote.paper_confirm_button"), f"paperok:{round_id}:{project_id}"),
         _button(t("vote.paper_retype_button"), f"pp:{round_id}:{project_id}")]
    )  # fmt: skip
    turn.say(
        t.plural("vote.paper_confirm_undo", ballots, ballots=t.number(ballots), title=project.title, note=note), markup
    )


async def _paper_confirmed(turn: Turn, round_id: int, project_id: int) -> None:
    assert turn.user is not None
    data = turn.data
    pending = turn.state is State.ROUND_PAPER and "ballots" in data
    if not pending or (data.get("round_id"), data.get("project_id")) != (round_id, project_id):
        turn.answer(turn.t("common.stale_button"))
        return
    ballots, note = int(data["ballots"]), str(data["note"])
    try:
        project = await votes.add_paper(turn.tx, turn.user.telegram_id, round_id, project_id, ballots, note, turn.now)
    except votes.Closed:
        turn.edit_trigger(turn.t("vote.closed_already"))
        await side_task.leave(turn, turn.t("vote.closed_already"))
        return
    turn.edit_trigger(turn.t("vote.paper_counted"))
    await side_task.leave(turn, turn.t.plural("vote.paper_added_n", ballots, ballots=turn.t.number(ballots),
                                              title=project.title, note=note))  # fmt: skip
    vote_round = await turn.tx.votes.get_round(round_id)
    assert vote_round is not None
    await _show_round(turn, vote_round, edit=False)


async def announce_results(turn: Turn, results: votes.Results) -> None:
    """When a round closes (on time or early): the results to everyone who voted online and to the staff
    member who opened it, each in their language."""
    i18n = turn.services.i18n
    recipients = dict(results.voters)
    creator = await turn.tx.users.get(results.round.created_by)
    if creator is not None and creator.blocked_at is None:
        recipients[creator.telegram_id] = creator.locale
    for chat_id, locale in recipients.items():
        tr = i18n.translator(locale)
        text = tr("vote.closed_news") + "\n\n" + views.results_text(tr, results, with_notes=False)
        await turn.tx.outbox.enqueue(chat_id, text, None, turn.now)
        turn.enqueued = True


async def voting_ended(turn: Turn, vote_round: VoteRound) -> None:
    """Voting ended on its day: the staff member who opened the round is asked to add the paper ballots and
    publish (or it is published for them after votes.PUBLISH_WITHIN)."""
    creator = await turn.tx.users.get(vote_round.created_by)
    if creator is None or creator.blocked_at is not None:
        return
    tr = turn.services.i18n.translator(creator.locale)
    text = tr("vote.voting_ended", title=vote_round.title, days=votes.PUBLISH_WITHIN.days)
    markup = InlineKeyboardMarkup([_button(tr("vote.open_round_button"), f"show:{vote_round.id}")])
    await turn.tx.outbox.enqueue(creator.telegram_id, text, markup.to_dict(), turn.now)
    turn.enqueued = True
