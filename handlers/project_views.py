"""What the street office reads about funds and projects: one line or block per thing, money the Chinese way."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.i18n import Translator
from core.capacity import Capacity
from core.money import format_fen
from core.performance_pay import Breakdown
from core.projects import CommunityFigures, ProjectFigures
from storage.records_projects import Milestone

PJ, CL = "pj", "cl"


def button(text: str, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text, callback_data=data)]


def rate(t: Translator, value: float | None) -> str:
    return t.percent(value) if value is not None else t("project.none")


def stars(t: Translator, value: float | None) -> str:
    return t.number(round(value, 1)) if value is not None else t("project.none")


def hours(t: Translator, minutes: int) -> str:
    return t.number(round(minutes / 60, 1))


def project_line(t: Translator, f: ProjectFigures) -> str:
    return t(
        "project.line",
        title=f.project.title,
        allocated=format_fen(f.money.allocated),
        spent=format_fen(f.money.spent),
        done=t.number(f.delivered.done),
    )


def project_card(t: Translator, f: ProjectFigures, communities: str, milestones: list[Milestone]) -> str:
    p = f.project
    lines = [
        t(
            "project.card",
            title=p.title,
            kind=t(f"project.kind_{p.kind}"),
            funder=t(f"fund.funder_{f.funder}"),
            organization=p.organization or t("project.no_organization"),
            communities=communities,
            budget=format_fen(p.budget_fen),
            allocated=format_fen(f.money.allocated),
            spent=format_fen(f.money.spent),
            remaining=format_fen(f.money.remaining),
            done=t.number(f.delivered.done),
            hours=hours(t, f.delivered.minutes),
            satisfaction=stars(t, f.delivered.satisfaction),
            paid=format_fen(f.money.performance_paid),
        ),
    ]
    if p.status == "closed":
        lines.append(t("project.closed_mark"))
    for m in milestones:
        mark = "✅" if m.done_at else "⬜"
        lines.append(f"{mark} {m.title}" + (f"（{m.due_on}）" if m.due_on else ""))
    return "\n".join(lines)


def community_line(t: Translator, name: str, c: CommunityFigures) -> str:
    return t(
        "project.community_line",
        community=name,
        allocated=format_fen(c.allocated),
        in_projects=format_fen(c.in_projects),
        spent=format_fen(c.spent),
        done=t.number(c.done),
        hours=hours(t, c.minutes),
        satisfaction=stars(t, c.satisfaction),
    )


def breakdown(t: Translator, title: str, b: Breakdown) -> str:
    return t(
        "fund.performance_preview",
        title=title,
        done=t.number(b.done),
        hours=hours(t, b.minutes),
        satisfaction=stars(t, b.satisfaction),
        for_requests=format_fen(b.for_requests),
        for_hours=format_fen(b.for_hours),
        bonus=format_fen(b.bonus),
        total=format_fen(b.total),
        capped=t("fund.capped") if b.capped else "",
        paid=format_fen(b.already_paid),
        due=format_fen(b.due),
    )


def capacity(t: Translator, c: Capacity) -> str:
    text = t(
        "call.capacity",
        score=t.number(c.score),
        response=rate(t, c.response_rate),
        resolution=rate(t, c.resolution_rate),
        satisfaction=stars(t, c.satisfaction),
        hours=hours(t, c.minutes),
        projects=t.number(c.past_projects),
        delivered=t.number(c.past_delivered),
    )
    return text + (("\n" + t("call.capacity_thin")) if c.thin else "")
