"""以奖代补 paid on 确认 (core.performance_pay computes it): the fund's lock is taken BEFORE what is due is worked
out, so two confirmations at once (two staff, or one double press on PostgreSQL, where transactions run side by
side) take turns and the second sees the first one's payment in `already paid` — one payment, never two.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from core import funds, projects
from core.performance_pay import Breakdown, Formula, compute
from storage.protocols import UnitOfWork
from storage.records_projects import Project


async def preview(uow: UnitOfWork, project: Project, formula: Formula) -> Breakdown:
    """What the formula earns the project from what it delivered, less what was already paid."""
    figures = await projects.figures(uow, project)
    d = figures.delivered
    return compute(formula, d.done, d.minutes, d.satisfaction, figures.money.performance_paid)


async def pay(
    uow: UnitOfWork,
    actor: int,
    project_id: int,
    formula: Formula,
    shown_due: int,
    reason: Callable[[Breakdown], str],
    now: datetime,
) -> tuple[Breakdown, bool]:
    """(the breakdown as it stands now, whether it was paid). Paid only if what is due is still what the staff
    member saw (`shown_due`); otherwise nothing is written and the caller shows the new breakdown. The formula is
    saved only with a payment that went through: a refused spend leaves no trace."""
    project = await projects.project_for(uow, actor, project_id)
    await uow.locks.one_at_a_time(f"fund:{project.fund_id}")  # before reading what was paid (re-taken in spend)
    result = await preview(uow, project, formula)
    if result.due != shown_due:
        return result, False
    if result.due > 0:
        await funds.spend(uow, project.fund_id, project.id, result.due, actor, reason(result), now, performance=True)
    await uow.projects.set_formula(project.id, formula.to_json())
    return result, True
