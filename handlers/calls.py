"""/calls: a street office opens calls for organisations and awards them; organisation members apply for their own
organisation. Each application is shown with its organisation's capacity (core.capacity). Buttons name the call
or application and are re-checked on every press: a street office must steer all the call's communities, an
applicant must be a provider of an organisation (and applies only for that one, never one named by a button).
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from core import calls, capacity, projects
from core.broadcast import NotAllowed
from core.dialog import State
from core.funds import FundError
from core.money import MoneyError, format_fen
from handlers import call_actions, call_files, side_task
from handlers import intake_keyboards as ikb
from handlers.callback_data import parse
from handlers.context import SansheContext
from handlers.project_views import CL, button
from handlers.project_views import capacity as capacity_text
from handlers.turn import Turn, turn_handler
from storage.records_projects import Call

KIND_CODES = {"b": "purchase", "v": "venture"}


def _actor(turn: Turn) -> int:
    return turn.user.telegram_id if turn.user else 0


async def _is_office(turn: Turn) -> bool:
    return bool(await turn.tx.street.communities(_actor(turn)))


def _summary(turn: Turn, call: Call, names: dict[int, str]) -> str:
    t = turn.t
    return t(
        "call.summary",
        title=call.title,
        kind=t(f"project.kind_{call.kind}"),
        ceiling=format_fen(call.ceiling_fen),
        deadline=t.datetime(call.deadline_at),
        communities="、".join(names.get(c, "?") for c in call.community_ids),
        status=t(f"call.status_{call.status}"),
    )


async def _names(turn: Turn) -> dict[int, str]:
    return {c.id: c.name for c in await turn.tx.communities.list_all()}


@turn_handler
async def calls_command(update: Update, context: SansheContext, turn: Turn) -> None:
    try:
        await _list(turn, edit=False)
    except NotAllowed:
        turn.say(turn.t("call.not_allowed"))


async def _list(turn: Turn, *, edit: bool) -> None:
    t = turn.t
    office = await _is_office(turn)
    if office:
        steered = await projects.office(turn.tx, _actor(turn))
        shown = [c for c in await turn.tx.calls.all() if projects.steers(steered, c.community_ids)]
    else:
        await calls.applicant_organization(turn.tx, _actor(turn))  # NotAllowed for anyone without one
        provider = await turn.tx.providers.get(_actor(turn))
        serves = set(provider.community_ids) if provider else set()
        shown = [
            c
            for c in await turn.tx.calls.all()
            if calls.open_for_applications(c, turn.now) and serves & set(c.community_ids)
        ]
    rows = [button(f"{c.title}（{t(f'call.status_{c.status}')}）", f"{CL}:show:{c.id}") for c in shown[:12]]
    if office:
        rows.append(button(t("call.new_button"), f"{CL}:new"))
    text = t("call.list") if shown else t("call.list_empty")
    markup = InlineKeyboardMarkup(rows) if rows else None
    turn.edit_trigger(text, markup) if edit else turn.say(text, markup)


async def _show(turn: Turn, call_id: int | None) -> None:
    t, actor, names = turn.t, _actor(turn), await _names(turn)
    if await _is_office(turn):
        call = await calls.call_for_office(turn.tx, actor, call_id)
        lines, rows = [_summary(turn, call, names)], []
        for application in await turn.tx.calls.applications(call.id):
            assessed = await capacity.assess(turn.tx, application.organization_id, turn.now, turn.services.accept_limit)
            lines.append(
                t(
                    "call.application",
                    organization=application.organization,
                    proposal=application.proposal,
                    budget=format_fen(application.budget_fen),
                    communities="、".join(names.get(c, "?") for c in application.community_ids),
                )
                + "\n"
                + capacity_text(t, assessed)
            )
            if call.status == "open" and call.deadline_at <= turn.now:  # awards once applications are final
                rows.append(
                    button(t("call.award_button", organization=application.organization), f"{CL}:aw:{application.id}")
                )
        if call.status == "awarded":
            lines.append(t("call.awarded_reason", reason=call.award_reason or ""))
        elif len(lines) == 1:
            lines.append(t("call.no_applications"))
        elif call.deadline_at > turn.now:
            lines.append(t("call.award_after_deadline"))
    else:
        call, organization_id = await calls.call_for_applicant(turn.tx, actor, call_id)
        lines, rows = [_summary(turn, call, names)], []
        mine = next(
            (a for a in await turn.tx.calls.applications(call.id) if a.organization_id == organization_id), None
        )
        if mine is not None:
            lines.append(t("call.yours", proposal=mine.proposal, budget=format_fen(mine.budget_fen)))
        if calls.open_for_applications(call, turn.now):
            rows.append(button(t("call.apply_button"), f"{CL}:ap:{call.id}"))
            rows.append(button(t("call.form_button"), f"{CL}:form:{call.id}"))
    rows.append(button(t("common.back"), f"{CL}:list"))
    turn.edit_trigger("\n\n".join(lines), InlineKeyboardMarkup(rows))


async def _ask(turn: Turn, ask: str, prompt: str, **data: Any) -> None:
    side_task.begin(turn, State.CALL_INPUT, ask=ask, **data)
    turn.say(prompt, ikb.typing_only(turn.t))


@turn_handler
async def calls_pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None
    t, actor = turn.t, _actor(turn)
    data = parse(query.data)
    try:
        if data is None or data.prefix != CL:
            turn.answer(t("common.stale_button"))
        elif data.action == "list":
            await _list(turn, edit=True)
        elif data.action == "show":
            await _show(turn, data.ident(1))
        elif data.action == "new":
            rows = [
                button(t(f"call.new_in_{code}", fund=f.name), f"{CL}:nf:{f.id}:{code}")
                for f in await projects.visible_funds(turn.tx, actor)
                for code in KIND_CODES
            ]
            turn.edit_trigger(t("call.choose_fund") if rows else t("project.no_fund"), InlineKeyboardMarkup(rows))
        elif data.action == "nf" and data.part(2) in KIND_CODES:
            fund = await projects.fund_for(turn.tx, actor, data.ident(1))
            await _ask(turn, "call", t("call.new_prompt"), fund_id=fund.id, kind=KIND_CODES[data.part(2)])
        elif data.action == "ap":
            call, _organization = await calls.call_for_applicant(turn.tx, actor, data.ident(1))
            if not calls.open_for_applications(call, turn.now):
                raise calls.CallError("call.closed")
            await _ask(
                turn,
                "apply",
                t("call.apply_prompt", title=call.title, ceiling=format_fen(call.ceiling_fen)),
                call_id=call.id,
            )
        elif data.action == "aw":
            application = await turn.tx.calls.application(data.ident(1) or 0)
            call = await calls.call_for_office(turn.tx, actor, application.call_id if application else None)
            if application is None:
                raise calls.CallError("call.awarded_already")
            calls.awardable(call, turn.now)
            await _ask(
                turn,
                "award",
                t("call.reason_prompt", organization=application.organization),
                application_id=application.id,
                seen_at=application.submitted_at.isoformat(),
            )
        elif data.action in ("ok", "no"):
            await call_actions.confirm(turn, data.action == "ok", data.part(1))
        elif data.action == "form":
            await call_files.send_form(turn, data.ident(1))
        else:
            turn.answer(t("common.stale_button"))
    except NotAllowed:
        turn.answer(t("call.not_allowed"), alert=True)
    except (calls.CallError, FundError, MoneyError) as refused:
        turn.answer(t(refused.key, **call_actions.shown_values(getattr(refused, "values", {}))), alert=True)


async def on_text(turn: Turn, text: str) -> None:
    """Typed answers in CALL_INPUT (handlers.call_actions)."""
    await call_actions.on_text(turn, text)
