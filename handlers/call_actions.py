"""The typed half of /calls: a call, an application (typed or read from a form) or an award's reason, shown back
with 确认 and only then saved; on an award every applicant is told through the outbox."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup

from core import calls, projects
from core.broadcast import NotAllowed
from core.dialog import State
from core.funds import FundError
from core.money import MoneyError, format_fen, parse_fen
from core.votes import BadInput, parse_closing
from handlers import drafts, side_task
from handlers.project_views import CL, button
from handlers.turn import Turn
from storage.records_projects import Call


def _actor(turn: Turn) -> int:
    return turn.user.telegram_id if turn.user else 0


def shown_values(values: dict[str, object]) -> dict[str, object]:
    return {k: format_fen(v) if isinstance(v, int) else v for k, v in values.items()}


async def on_text(turn: Turn, text: str) -> None:
    t, i18n = turn.t, turn.services.i18n
    if i18n.matches("common.cancel", text) or i18n.matches("common.back", text):
        await side_task.leave(turn, t("project.cancelled"))
        return
    try:
        await _typed(turn, text)
    except NotAllowed:
        await side_task.leave(turn, t("call.not_allowed"))
    except (calls.CallError, FundError, MoneyError) as refused:
        turn.say(t(refused.key, **shown_values(getattr(refused, "values", {}))))
    except BadInput as bad:
        turn.say(t(bad.key, **bad.values))


def _deadline(text: str, now: datetime, turn: Turn) -> datetime:
    return parse_closing(text, now, turn.services.i18n.tz)


async def _typed(turn: Turn, text: str) -> None:
    t, data, actor = turn.t, turn.data, _actor(turn)
    ask = data.get("ask")
    if ask == "call":
        await projects.fund_for(turn.tx, actor, int(data.get("fund_id", 0)))
        parts = [p.strip() for p in text.replace("|", "｜").split("｜")]
        if len(parts) != 3 or not parts[0]:
            raise calls.CallError("call.bad_form")
        ceiling, deadline = parse_fen(parts[1]), _deadline(parts[2], turn.now, turn)
        parts[0] = " ".join(parts[0].split())[: projects.MAX_TITLE]  # the preview shows what is stored
        drafts.propose(
            turn,
            State.CALL_INPUT,
            CL,
            t("call.new_confirm", title=parts[0], ceiling=format_fen(ceiling), deadline=t.datetime(deadline)),
            title=parts[0],
            ceiling=ceiling,
            deadline=deadline.isoformat(),
        )
    elif ask == "apply":
        await apply_preview(turn, text, "chat")
    elif ask == "award":
        application = await turn.tx.calls.application(int(data.get("application_id", 0)))
        if application is None:
            raise NotAllowed(actor)
        calls.awardable(await calls.call_for_office(turn.tx, actor, application.call_id), turn.now)
        reason = " ".join(text.split())
        if len(reason) < 2:
            raise calls.CallError("call.reason_needed")
        drafts.propose(
            turn,
            State.CALL_INPUT,
            CL,
            t("call.award_confirm", organization=application.organization, reason=reason),
            reason=reason,
        )
    else:
        turn.say(t("input.use_buttons"))


async def apply_preview(turn: Turn, text: str, via: str) -> None:
    """An application typed (or read from a form, `via` 'file'), shown back with 确认 before it is saved."""
    t, actor = turn.t, _actor(turn)
    call, _organization = await calls.call_for_applicant(turn.tx, actor, int(turn.data.get("call_id", 0)))
    names = {c.name: c.id for c in await turn.tx.communities.list_all()}
    draft = calls.parse_application(text, call, names)
    communities = "、".join(n for n, i in names.items() if i in draft.community_ids)
    drafts.propose(
        turn,
        State.CALL_INPUT,
        CL,
        t("call.apply_confirm", proposal=draft.proposal, budget=format_fen(draft.budget_fen), communities=communities),
        proposal=draft.proposal,
        budget=draft.budget_fen,
        communities=list(draft.community_ids),
        via=via,
    )


async def confirm(turn: Turn, ok: bool, token: str) -> None:
    t, data, actor = turn.t, turn.data, _actor(turn)
    pending = await drafts.pressed(turn, State.CALL_INPUT, ok, token)
    if pending is None:
        return
    ask = data.get("ask")
    if ask == "call":
        deadline = datetime.fromisoformat(str(pending["deadline"]))
        call_id = await calls.open_call(
            turn.tx,
            actor,
            int(data["fund_id"]),
            str(data["kind"]),
            str(pending["title"]),
            int(pending["ceiling"]),
            deadline,
            turn.now,
        )
        told = await _tell_organisations(turn, call_id)
        done = t.plural("call.opened_told", told, count=t.number(told))
    elif ask == "apply":
        draft = calls.Draft(
            str(pending["proposal"]), int(pending["budget"]), tuple(int(c) for c in pending["communities"])
        )
        via = "file" if pending.get("via") == "file" else "chat"
        await calls.apply(turn.tx, actor, int(data["call_id"]), draft, via, turn.now)
        done = t("call.applied")
    elif ask == "award":
        seen = data.get("seen_at")  # the application as the office read it when it pressed 选定
        call, winner, project = await calls.award(
            turn.tx,
            actor,
            int(data["application_id"]),
            str(pending["reason"]),
            turn.now,
            datetime.fromisoformat(str(seen)) if seen else None,
        )
        await _tell_applicants(turn, call, winner.id)
        done = t("call.awarded", organization=winner.organization, project=project.title)
    else:
        raise NotAllowed(actor)
    turn.edit_trigger(done)
    await side_task.leave(turn, done)


async def _tell_applicants(turn: Turn, call: Call, winner_id: int) -> None:
    """Every applicant hears the outcome in their own language, through the outbox."""
    for application in await turn.tx.calls.applications(call.id):
        user = await turn.tx.users.get(application.applicant_id)
        if user is None or user.blocked_at is not None:
            continue
        t = turn.services.i18n.translator(user.locale)
        key = "call.told_won" if application.id == winner_id else "call.told_lost"
        await turn.tx.outbox.enqueue(application.applicant_id, t(key, title=call.title), None, turn.now)
        turn.enqueued = True


async def _tell_organisations(turn: Turn, call_id: int) -> int:
    """The members of organisations serving the call's communities hear of it, with a button to see it."""
    call = await turn.tx.calls.get(call_id)
    assert call is not None
    told = 0
    for chat_id, locale in await turn.tx.calls.members_serving(call.community_ids):
        t = turn.services.i18n.translator(locale)
        markup = InlineKeyboardMarkup([button(t("call.see_button"), f"{CL}:show:{call.id}")])
        text = t(
            "call.news", title=call.title, ceiling=format_fen(call.ceiling_fen), deadline=t.datetime(call.deadline_at)
        )
        await turn.tx.outbox.enqueue(chat_id, text, markup.to_dict(), turn.now)
        turn.enqueued = True
        told += 1
    return told
