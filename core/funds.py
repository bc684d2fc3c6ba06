"""The funds ledger: every movement of money is one appended row; every balance is a sum of rows.

Accounts within a fund: SOURCE (the funder, outside: its balance is minus what it paid in), POOL (not yet
allocated), `community:<id>` (allocated to a community, not yet to a project), `project:<id>` (allocated to a
project, not yet spent) and `spent:<id>` (spent on a project, performance payments included). Money only moves
between them, so the totals reconcile by construction:

    funded = −SOURCE = POOL + Σ communities + Σ projects + Σ spent
    allocated to a project = its spent + its remaining

and every rule below refuses a movement that would take an account other than SOURCE below zero, or give a
project more than its budget. Movements of one fund are serialised (a named lock), so two staff allocating at
once cannot both spend the same balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.money import MAX_FEN
from storage.protocols import UnitOfWork

SOURCE, POOL = "source", "pool"
FUNDERS = ("street", "district", "lottery", "donation")
FUND_IN, ALLOCATE, REALLOCATE, SPEND, PERFORMANCE = "fund_in", "allocate", "reallocate", "spend", "performance"
MAX_REASON = 200


class FundError(Exception):
    """A movement refused; `key` (a message key under fund.) and `values` say why."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def community_account(community_id: int) -> str:
    return f"community:{community_id}"


def project_account(project_id: int) -> str:
    return f"project:{project_id}"


def spent_account(project_id: int) -> str:
    return f"spent:{project_id}"


def _level(account: str) -> int:
    """How far down the money is: pool 0, community 1, project 2 (allocation goes down, reallocation any way)."""
    return {"pool": 0, "community": 1, "project": 2}.get(account.split(":")[0], -1)


def _id_of(account: str) -> int | None:
    kind, _, number = account.partition(":")
    ok = kind in ("community", "project", "spent") and number.isascii() and number.isdigit() and len(number) <= 18
    return int(number) if ok else None


async def _movement(
    uow: UnitOfWork,
    fund_id: int,
    kind: str,
    amount: int,
    source: str,
    target: str,
    actor: int,
    reason: str,
    now: datetime,
    *,
    project_id: int | None = None,
    community_id: int | None = None,
) -> int:
    if not 0 < amount <= MAX_FEN:
        raise FundError("fund.money_too_large" if amount > 0 else "fund.money_zero")
    reason = " ".join(reason.split())[:MAX_REASON]
    await uow.locks.one_at_a_time(f"fund:{fund_id}")
    balances = await uow.funds.balances(fund_id)
    if source != SOURCE and balances.get(source, 0) < amount:
        raise FundError("fund.not_enough", available=balances.get(source, 0))
    if target.startswith("project:"):
        target_id = _id_of(target)
        project = await uow.projects.get(target_id) if target_id is not None else None
        if project is None or project.fund_id != fund_id:
            raise FundError("fund.wrong_fund")
        if project.status == "closed":  # a closed project gets no more money (taking the rest back still works)
            raise FundError("fund.project_closed")
        allocated = balances.get(target, 0) + balances.get(spent_account(project.id), 0)
        if allocated + amount > project.budget_fen:
            raise FundError("fund.over_budget", budget=project.budget_fen, allocated=allocated)
    return await uow.funds.book(
        fund_id,
        kind,
        amount,
        source,
        target,
        project_id=project_id,
        community_id=community_id,
        actor_id=actor,
        reason=reason,
        now=now,
    )


async def fund_in(uow: UnitOfWork, fund_id: int, amount: int, actor: int, reason: str, now: datetime) -> int:
    """Money from the funder into the fund's pool."""
    return await _movement(uow, fund_id, FUND_IN, amount, SOURCE, POOL, actor, reason, now)


async def check_accounts(uow: UnitOfWork, fund_id: int, source: str, target: str) -> None:
    """The two accounts of a movement exist in this fund and fit together: a community's money goes only to (and
    comes back only from) a project that serves that community — one community's allocation is never spent on
    another's project, whatever a button or a CSV row names."""
    levels = _level(source), _level(target)
    if -1 in levels or source == target:
        raise FundError("fund.bad_accounts")
    served: dict[str, tuple[int, ...]] = {}
    for account in (source, target):
        number = _id_of(account) if account != POOL else None
        if account.startswith("community:"):
            fund = await uow.funds.get(fund_id)
            if fund is None or number is None or number not in fund.community_ids:
                raise FundError("fund.wrong_fund")
        elif account.startswith("project:"):
            project = await uow.projects.get(number) if number is not None else None
            if project is None or project.fund_id != fund_id:
                raise FundError("fund.wrong_fund")
            served[account] = project.community_ids
    for community, project in ((source, target), (target, source)):
        if community.startswith("community:") and project in served and _id_of(community) not in served[project]:
            raise FundError("fund.community_not_served")


async def move(
    uow: UnitOfWork, fund_id: int, source: str, target: str, amount: int, actor: int, reason: str, now: datetime
) -> int:
    """Allocate (pool → community → project) or re-allocate (any other way between those accounts)."""
    await check_accounts(uow, fund_id, source, target)
    levels = _level(source), _level(target)
    kind = ALLOCATE if levels[0] < levels[1] else REALLOCATE
    project_id = (
        _id_of(target) if target.startswith("project:") else _id_of(source) if source.startswith("project:") else None
    )
    community_id = (
        _id_of(target)
        if target.startswith("community:")
        else _id_of(source)
        if source.startswith("community:")
        else None
    )
    return await _movement(
        uow, fund_id, kind, amount, source, target, actor, reason, now, project_id=project_id, community_id=community_id
    )


async def spend(
    uow: UnitOfWork,
    fund_id: int,
    project_id: int,
    amount: int,
    actor: int,
    reason: str,
    now: datetime,
    *,
    performance: bool = False,
) -> int:
    """Money spent on a project (a performance payment is one kind of spending), out of its allocation."""
    kind = PERFORMANCE if performance else SPEND
    return await _movement(
        uow,
        fund_id,
        kind,
        amount,
        project_account(project_id),
        spent_account(project_id),
        actor,
        reason,
        now,
        project_id=project_id,
    )


@dataclass(frozen=True)
class Totals:
    funded: int
    unallocated: int
    in_communities: int
    in_projects: int  # allocated to projects and not yet spent
    spent: int
    negative: tuple[str, ...]  # accounts below zero (never, if the rules hold)

    @property
    def reconciles(self) -> bool:
        return (
            not self.negative and self.funded == self.unallocated + self.in_communities + self.in_projects + self.spent
        )


def totals(balances: dict[str, int]) -> Totals:
    def total(prefix: str) -> int:
        return sum(v for k, v in balances.items() if k.startswith(prefix))

    negative = tuple(sorted(k for k, v in balances.items() if k != SOURCE and v < 0))
    return Totals(
        -balances.get(SOURCE, 0),
        balances.get(POOL, 0),
        total("community:"),
        total("project:"),
        total("spent:"),
        negative,
    )


@dataclass(frozen=True)
class ProjectMoney:
    allocated: int
    spent: int
    remaining: int
    performance_paid: int


async def project_money(uow: UnitOfWork, fund_id: int, project_id: int) -> ProjectMoney:
    """Allocated (in, less what was taken back) and spent are read from the project's rows; remaining is the
    balance of its account: that allocated = spent + remaining is then a real check (the reconciliation test)."""
    mine, gone = project_account(project_id), spent_account(project_id)
    # By account, not by the rows' project_id: a move between two projects names only one of them there.
    entries = [
        e for e in await uow.funds.entries(fund_id) if mine in (e.from_account, e.to_account) or e.to_account == gone
    ]
    allocated = sum(e.amount_fen for e in entries if e.to_account == mine) - sum(
        e.amount_fen for e in entries if e.from_account == mine and e.to_account != gone
    )
    spent = sum(e.amount_fen for e in entries if e.to_account == gone)
    paid = sum(e.amount_fen for e in entries if e.kind == PERFORMANCE)
    remaining = (await uow.funds.balances(fund_id)).get(mine, 0)
    return ProjectMoney(allocated, spent, remaining, paid)
