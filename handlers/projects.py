"""/projects for a street office: its funds and projects, allocations, spending, milestones, 以奖代补, vote winners
made projects, figures per community, and the Excel file.

Every button names what it acts on (pj:show:<project>, pj:mv:<fund>:<from>:<to> …) and is re-checked: the presser
must steer every community of that fund or project (core.projects), so a forged button acts on nothing else.
Money typed in is parsed exactly (core.money) and shown back with 确认 before anything is booked; the confirmation
carries a token of this one draft, so an old 确认 cannot book again.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from core import funds, projects
from core.broadcast import NotAllowed
from core.dialog import State
from core.funds import FundError
from core.money import MoneyError, format_fen
from handlers import intake_keyboards as ikb
from handlers import project_actions as actions
from handlers import side_task
from handlers.callback_data import Callback, parse
from handlers.context import SansheContext
from handlers.project_views import PJ, button, community_line, project_card, project_line
from handlers.turn import Turn, turn_handler

MAX_BUTTONS = 12


def _actor(turn: Turn) -> int:
    return turn.user.telegram_id if turn.user else 0


async def _names(turn: Turn) -> dict[int, str]:
    return {c.id: c.name for c in await turn.tx.communities.list_all()}


@turn_handler
async def projects_command(update: Update, context: SansheContext, turn: Turn) -> None:
    try:
        await home(turn, edit=False)
    except NotAllowed:
        turn.say(turn.t("project.street_only"))


async def home(turn: Turn, *, edit: bool) -> None:
    t, actor = turn.t, _actor(turn)
    visible = await projects.visible_projects(turn.tx, actor)
    lines = [t("project.home_title")]
    rows = []
    for fund in await projects.visible_funds(turn.tx, actor):
        totals = funds.totals(await turn.tx.funds.balances(fund.id))
        lines.append(
            t(
                "fund.line",
                name=fund.name,
                funder=t(f"fund.funder_{fund.funder}"),
                funded=format_fen(totals.funded),
                unallocated=format_fen(totals.unallocated),
            )
        )
        rows.append(button(t("fund.open_button", name=fund.name), f"{PJ}:fund:{fund.id}"))
    for project in visible[:MAX_BUTTONS]:
        lines.append(project_line(t, await projects.figures(turn.tx, project)))
        rows.append(button(t("project.open_button", title=project.title), f"{PJ}:show:{project.id}"))
    if len(lines) == 1:
        lines.append(t("project.nothing_yet"))
    rows += [
        button(t("fund.new_button"), f"{PJ}:newfund"),
        button(t("project.votes_button"), f"{PJ}:votes"),
        button(t("project.communities_button"), f"{PJ}:comm"),
        button(t("project.export_button"), f"{PJ}:x"),
    ]
    text, markup = "\n".join(lines), InlineKeyboardMarkup(rows)
    turn.edit_trigger(text, markup) if edit else turn.say(text, markup)


async def _show_project(turn: Turn, project_id: int | None) -> None:
    t = turn.t
    project = await projects.project_for(turn.tx, _actor(turn), project_id)
    names = await _names(turn)
    figures = await projects.figures(turn.tx, project)
    milestones = list(await turn.tx.projects.milestones(project.id))
    text = project_card(t, figures, "、".join(names.get(c, "?") for c in project.community_ids), milestones)
    f, p = project.fund_id, project.id
    rows = [button(t("fund.give_from_pool"), f"{PJ}:mv:{f}:P:p{p}")]
    rows += [
        button(t("fund.give_from_community", community=names.get(c, "?")), f"{PJ}:mv:{f}:c{c}:p{p}")
        for c in project.community_ids
    ]
    rows += [
        button(t("fund.take_back"), f"{PJ}:mv:{f}:p{p}:P"),
        button(t("fund.spend_button"), f"{PJ}:sp:{p}"),
        button(t("fund.performance_button"), f"{PJ}:pf:{p}"),
        button(t("project.milestone_add"), f"{PJ}:ma:{p}"),
    ]
    # Each button names the state it sets (1 done / 0 not; c closed / r running): an old press is stale, never
    # a toggle that undoes what someone else just did.
    rows += [
        button(("✅ " if m.done_at else "⬜ ") + m.title, f"{PJ}:md:{p}:{m.id}:{0 if m.done_at else 1}")
        for m in milestones[:8]
    ]
    closed = project.status == "closed"
    rows.append(
        button(
            t("project.reopen_button" if closed else "project.close_button"), f"{PJ}:st:{p}:{'r' if closed else 'c'}"
        )
    )
    rows.append(button(t("common.back"), f"{PJ}:home"))
    turn.edit_trigger(text, InlineKeyboardMarkup(rows))


async def _show_fund(turn: Turn, fund_id: int | None) -> None:
    t = turn.t
    fund = await projects.fund_for(turn.tx, _actor(turn), fund_id)
    names = await _names(turn)
    balances = await turn.tx.funds.balances(fund.id)
    totals = funds.totals(balances)
    lines = [
        t(
            "fund.card",
            name=fund.name,
            funder=t(f"fund.funder_{fund.funder}"),
            funded=format_fen(totals.funded),
            unallocated=format_fen(totals.unallocated),
            communities=format_fen(totals.in_communities),
            projects=format_fen(totals.in_projects),
            spent=format_fen(totals.spent),
        )
    ]
    rows = [button(t("fund.add_money"), f"{PJ}:in:{fund.id}")]
    for c in fund.community_ids:
        balance = balances.get(funds.community_account(c), 0)
        lines.append(t("fund.community_balance", community=names.get(c, "?"), balance=format_fen(balance)))
        rows.append(button(t("fund.give_community", community=names.get(c, "?")), f"{PJ}:mv:{fund.id}:P:c{c}"))
        if balance > 0:
            rows.append(button(t("fund.back_from_community", community=names.get(c, "?")), f"{PJ}:mv:{fund.id}:c{c}:P"))
    rows.append(button(t("common.back"), f"{PJ}:home"))
    turn.edit_trigger("\n".join(lines), InlineKeyboardMarkup(rows))


async def _communities(turn: Turn) -> None:
    t, actor = turn.t, _actor(turn)
    figures = [await projects.figures(turn.tx, p) for p in await projects.visible_projects(turn.tx, actor)]
    names = await _names(turn)
    rows = await projects.community_figures(turn.tx, actor, figures)
    text = "\n".join(
        [t("project.communities_title"), *(community_line(t, names.get(r.community_id, "?"), r) for r in rows)]
    )
    turn.edit_trigger(text, InlineKeyboardMarkup([button(t("common.back"), f"{PJ}:home")]))


async def _votes(turn: Turn, pressed: Callback) -> None:
    t, actor = turn.t, _actor(turn)
    if pressed.action == "votes":
        waiting = await projects.waiting_winners(turn.tx, actor)
        rows = [button(f"{w.title}（{w.round_title}）", f"{PJ}:vw:{w.vote_project_id}") for w in waiting[:MAX_BUTTONS]]
        rows.append(button(t("common.back"), f"{PJ}:home"))
        turn.edit_trigger(t("project.votes_list") if waiting else t("project.votes_none"), InlineKeyboardMarkup(rows))
        return
    vote_project = pressed.ident(1)
    winner = next(
        (w for w in await projects.waiting_winners(turn.tx, actor) if w.vote_project_id == vote_project), None
    )
    fund_ids = [
        f.id
        for f in await projects.visible_funds(turn.tx, actor)
        if winner is not None and winner.community_id in f.community_ids
    ]
    chosen = pressed.ident(2) if pressed.action == "vf" else (fund_ids[0] if len(fund_ids) == 1 else None)
    if vote_project is None or (winner is None and chosen is None):
        existing = await turn.tx.projects.of_vote_project(vote_project) if vote_project is not None else None
        if existing is None:
            raise NotAllowed(actor)
        await _show_project(turn, existing.id)  # pressed twice: the project it already is
        return
    if chosen is None:
        if not fund_ids:
            turn.answer(t("project.no_fund"), alert=True)
            return
        funds_by_id = {f.id: f for f in await projects.visible_funds(turn.tx, actor)}
        rows = [button(funds_by_id[f].name, f"{PJ}:vf:{vote_project}:{f}") for f in fund_ids[:MAX_BUTTONS]]
        turn.edit_trigger(t("project.choose_fund"), InlineKeyboardMarkup(rows))
        return
    project = await projects.from_vote(turn.tx, actor, vote_project, chosen, turn.now)
    turn.answer(t("project.made_from_vote", title=project.title))
    await _show_project(turn, project.id)


async def _ask(turn: Turn, ask: str, prompt: str, **data: Any) -> None:
    side_task.begin(turn, State.PROJECT_INPUT, ask=ask, **data)
    turn.say(prompt, ikb.typing_only(turn.t))


@turn_handler
async def pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None
    t, actor = turn.t, _actor(turn)
    data = parse(query.data)
    try:
        await projects.office(turn.tx, actor)
        if data is None or data.prefix != PJ:
            turn.answer(t("common.stale_button"))
        elif data.action == "home":
            await home(turn, edit=True)
        elif data.action == "show":
            await _show_project(turn, data.ident(1))
        elif data.action == "fund":
            await _show_fund(turn, data.ident(1))
        elif data.action == "comm":
            await _communities(turn)
        elif data.action in ("votes", "vw", "vf"):
            await _votes(turn, data)
        elif data.action == "x":
            await actions.send_export(turn)
        elif data.action == "md" and data.part(3) in ("0", "1"):
            if not await actions.set_milestone(turn, data.ident(1), data.ident(2), data.part(3) == "1"):
                turn.answer(t("common.stale_button"))
            await _show_project(turn, data.ident(1))
        elif data.action in ("ok", "no"):
            await actions.confirm(turn, data.action == "ok", data.part(1))
        elif data.action == "st" and data.part(2) in ("c", "r"):  # 结项 / 重新开启: a closed project gets no more
            project = await projects.project_for(turn.tx, _actor(turn), data.ident(1))  # money, its figures stay
            wanted = "closed" if data.part(2) == "c" else "running"
            if project.status == wanted:
                turn.answer(t("common.stale_button"))  # an old button: already so, nothing undone
            else:
                await turn.tx.projects.set_status(project.id, wanted)
            await _show_project(turn, project.id)
        else:
            await _begin_typed(turn, data)
    except NotAllowed:
        turn.answer(t("project.street_only"), alert=True)
    except (FundError, MoneyError) as refused:
        turn.answer(t(refused.key, **_money_values(getattr(refused, "values", {}))), alert=True)


def _money_values(values: dict[str, object]) -> dict[str, object]:
    return {k: format_fen(v) if isinstance(v, int) else v for k, v in values.items()}


async def _begin_typed(turn: Turn, data: Callback) -> None:
    """The buttons that ask for something typed: new fund, money in, a movement, spending, a milestone, 以奖代补."""
    t, actor = turn.t, _actor(turn)
    if data.action == "newfund":
        await _ask(turn, "fund", t("fund.new_prompt"))
    elif data.action == "in":
        fund = await projects.fund_for(turn.tx, actor, data.ident(1))
        await _ask(turn, "in", t("fund.in_prompt", name=fund.name), fund_id=fund.id)
    elif data.action == "mv":
        fund = await projects.fund_for(turn.tx, actor, data.ident(1))
        source, target = actions.account(data.part(2)), actions.account(data.part(3))
        if source is None or target is None:
            turn.answer(t("common.stale_button"))
            return
        await actions.check_move(turn, fund.id, source, target)  # refused at the press, not only at 确认
        await _ask(
            turn,
            "move",
            t(
                "fund.move_prompt",
                source=await actions.account_name(turn, source),
                target=await actions.account_name(turn, target),
            ),
            fund_id=fund.id,
            source=source,
            target=target,
        )
    elif data.action in ("sp", "pf", "ma"):
        project = await projects.project_for(turn.tx, actor, data.ident(1))
        key = {"sp": "fund.spend_prompt", "pf": "fund.formula_prompt", "ma": "project.milestone_prompt"}[data.action]
        ask = {"sp": "spend", "pf": "formula", "ma": "milestone"}[data.action]
        await _ask(turn, ask, t(key, title=project.title), project_id=project.id)
    else:
        turn.answer(t("common.stale_button"))


async def on_text(turn: Turn, text: str) -> None:
    """What the street office typed in PROJECT_INPUT: checked, then shown back with 确认 (money) or saved."""
    t, i18n = turn.t, turn.services.i18n
    if i18n.matches("common.cancel", text) or i18n.matches("common.back", text):
        await side_task.leave(turn, t("project.cancelled"))
        return
    try:
        await projects.office(turn.tx, _actor(turn))
        await actions.typed(turn, text)
    except NotAllowed:
        await side_task.leave(turn, t("project.street_only"))
    except (FundError, MoneyError) as refused:
        turn.say(t(refused.key, **_money_values(getattr(refused, "values", {}))))
