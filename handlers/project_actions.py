"""The typed half of /projects: reading what the street office typed, showing it back, and booking it on 确认."""

from __future__ import annotations

import re

from core import funds, project_pay, projects
from core.broadcast import NotAllowed
from core.dialog import State
from core.exports.as_bytes import report_bytes
from core.exports.projects import communities_report, ledger_report, projects_report
from core.exports.writers import default_file_name
from core.funds import FundError
from core.money import format_fen, parse_fen, split_amount
from core.performance_pay import Formula, FormulaError, parse_formula
from handlers import drafts, side_task
from handlers.callback_data import ident
from handlers.project_views import PJ, breakdown
from handlers.turn import Turn

FUNDER_WORDS = {
    "街道": "street",
    "街道财政": "street",
    "street": "street",
    "区": "district",
    "区财政": "district",
    "district": "district",
    "福彩": "lottery",
    "福彩公益金": "lottery",
    "lottery": "lottery",
    "捐赠": "donation",
    "企业捐赠": "donation",
    "donation": "donation",
}
_DATE = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})\s*$")


def _actor(turn: Turn) -> int:
    return turn.user.telegram_id if turn.user else 0


def account(code: str) -> str | None:
    """A button's account code: P (the pool), c<id> (a community), p<id> (a project); None for anything else."""
    if code == "P":
        return funds.POOL
    if len(code) > 1 and code[0] in "cp" and code[1:].isascii() and code[1:].isdigit() and len(code) < 20:
        return (funds.community_account if code[0] == "c" else funds.project_account)(int(code[1:]))
    return None


async def account_name(turn: Turn, name: str) -> str:
    kind, _, number = name.partition(":")
    if kind == "community":
        community = await turn.tx.communities.get(int(number))
        return community.name if community else "?"
    if kind == "project":
        project = await turn.tx.projects.get(int(number))
        return project.title if project else "?"
    return turn.t("fund.pool")


async def typed(turn: Turn, text: str) -> None:
    t, data, actor = turn.t, turn.data, _actor(turn)
    ask = data.get("ask")
    if ask == "fund":
        parts = [p.strip() for p in text.replace("|", "｜").split("｜")]
        if len(parts) != 3 or not parts[0] or parts[1] not in FUNDER_WORDS:
            raise FundError("fund.new_unreadable")
        amount = parse_fen(parts[2])
        funder = FUNDER_WORDS[parts[1]]
        parts[0] = " ".join(parts[0].split())[: projects.MAX_TITLE]  # the preview shows what is stored
        drafts.propose(
            turn,
            State.PROJECT_INPUT,
            PJ,
            t("fund.new_confirm", name=parts[0], funder=t(f"fund.funder_{funder}"), amount=format_fen(amount)),
            op="fund",
            name=parts[0],
            funder=funder,
            amount=amount,
        )
    elif ask in ("in", "move", "spend"):
        amount, reason = split_amount(text)
        if ask == "spend" and not reason:
            raise FundError("fund.reason_needed")
        source, target = str(data.get("source", "")), str(data.get("target", ""))
        key = {"in": "fund.in_confirm", "move": "fund.move_confirm", "spend": "fund.spend_confirm"}[ask]
        words = (
            {"source": await account_name(turn, source), "target": await account_name(turn, target)}
            if ask == "move"
            else {}
        )
        drafts.propose(
            turn,
            State.PROJECT_INPUT,
            PJ,
            t(key, amount=format_fen(amount), reason=reason or "—", **words),
            op=ask,
            amount=amount,
            reason=reason,
        )
    elif ask == "formula":
        try:
            formula = parse_formula(text)
        except FormulaError as bad:
            raise FundError(bad.key) from bad
        project = await projects.project_for(turn.tx, actor, int(data.get("project_id", 0)))
        result = await project_pay.preview(turn.tx, project, formula)
        drafts.propose(
            turn,
            State.PROJECT_INPUT,
            PJ,
            breakdown(t, project.title, result),
            op="formula",
            formula=formula.to_json(),
            due=result.due,
        )
    elif ask == "milestone":
        project = await projects.project_for(turn.tx, actor, int(data.get("project_id", 0)))
        found = _DATE.search(text)
        title = (text[: found.start()] if found else text).strip()[: projects.MAX_TITLE]
        if not title:
            raise FundError("project.milestone_unreadable")
        await turn.tx.projects.add_milestone(project.id, title, found.group(1) if found else None)
        await side_task.leave(turn, t("project.milestone_added", title=title))
    else:
        turn.say(t("input.use_buttons"))


async def confirm(turn: Turn, ok: bool, token: str) -> None:
    t, data, actor = turn.t, turn.data, _actor(turn)
    pending = await drafts.pressed(turn, State.PROJECT_INPUT, ok, token)
    if pending is None:
        return
    op, amount, reason = pending.get("op"), int(pending.get("amount", 0)), str(pending.get("reason", ""))
    if op == "fund":
        await projects.create_fund(turn.tx, actor, str(pending["name"]), str(pending["funder"]), amount, turn.now)
    elif op == "in":
        fund = await projects.fund_for(turn.tx, actor, int(data.get("fund_id", 0)))
        await funds.fund_in(turn.tx, fund.id, amount, actor, reason or t("fund.in_reason"), turn.now)
    elif op == "move":
        fund = await projects.fund_for(turn.tx, actor, int(data.get("fund_id", 0)))
        source, target = str(data["source"]), str(data["target"])
        await check_move(turn, fund.id, source, target)
        await funds.move(turn.tx, fund.id, source, target, amount, actor, reason, turn.now)
    elif op == "spend":
        project = await projects.project_for(turn.tx, actor, int(data.get("project_id", 0)))
        await funds.spend(turn.tx, project.fund_id, project.id, amount, actor, reason, turn.now)
    elif op == "formula":
        if not await _pay(turn, pending):
            return
    else:
        raise NotAllowed(actor)
    turn.edit_trigger(t("project.booked"))
    await side_task.leave(turn, t("project.booked"))


async def _pay(turn: Turn, pending: dict[str, object]) -> bool:
    """以奖代补 on 确认: computed again under the fund's lock (core.project_pay); if the figures moved since the
    preview, nothing is paid and the new breakdown is shown instead."""
    t, actor = turn.t, _actor(turn)
    project = await projects.project_for(turn.tx, actor, int(turn.data.get("project_id", 0)))
    formula = Formula.from_json(str(pending.get("formula")))
    if formula is None:
        raise NotAllowed(actor)
    result, paid = await project_pay.pay(
        turn.tx,
        actor,
        project.id,
        formula,
        int(str(pending.get("due", -1))),
        lambda b: t("fund.performance_reason", done=b.done, total=format_fen(b.total)),
        turn.now,
    )
    if not paid:
        drafts.propose(
            turn,
            State.PROJECT_INPUT,
            PJ,
            t("fund.performance_changed") + "\n\n" + breakdown(t, project.title, result),
            op="formula",
            formula=formula.to_json(),
            due=result.due,
        )
        return False
    return True


async def check_move(turn: Turn, fund_id: int, source: str, target: str) -> None:
    """Every project named must be one this office steers (NotAllowed), and the accounts must fit together
    (FundError: a community's money only to a project serving that community)."""
    for name in (source, target):
        if name.startswith("project:"):
            await projects.project_for(turn.tx, _actor(turn), ident(name.partition(":")[2]))
    await funds.check_accounts(turn.tx, fund_id, source, target)


async def set_milestone(turn: Turn, project_id: int | None, milestone_id: int | None, done: bool) -> bool:
    """Mark a milestone done (or not done); False, nothing changed, when it already is (an old button)."""
    project = await projects.project_for(turn.tx, _actor(turn), project_id)
    milestone = next((m for m in await turn.tx.projects.milestones(project.id) if m.id == milestone_id), None)
    if milestone is None:
        raise NotAllowed(_actor(turn))
    if (milestone.done_at is not None) == done:
        return False
    await turn.tx.projects.mark_milestone(milestone.id, _actor(turn) if done else None, turn.now if done else None)
    return True


async def send_export(turn: Turn) -> None:
    """Three workbooks: projects with spent/allocated/delivered, the communities' figures, the ledger."""
    t, actor = turn.t, _actor(turn)
    figures = [await projects.figures(turn.tx, p) for p in await projects.visible_projects(turn.tx, actor)]
    names = {c.id: c.name for c in await turn.tx.communities.list_all()}
    rows = await projects.community_figures(turn.tx, actor, figures)
    visible = await projects.visible_funds(turn.tx, actor)
    entries = [e for f in visible for e in await turn.tx.funds.entries(f.id)]
    tz, stamp = turn.services.i18n.tz, f"{turn.now.astimezone(turn.services.i18n.tz):%Y%m%d}"
    reports = (
        (projects_report(figures, names, turn.now, tz), "项目台账"),
        (communities_report(rows, names, turn.now, tz), "社区资金与成效"),
        (ledger_report(entries, {f.id: f.name for f in visible}, names, turn.now, tz), "资金流水"),
    )
    for report, name in reports:
        turn.document(
            lambda r=report: report_bytes(r, "xlsx"),
            default_file_name(name, stamp, fmt="xlsx"),
            t("project.export_caption", name=name),
        )
    turn.answer(t("export.making"))
