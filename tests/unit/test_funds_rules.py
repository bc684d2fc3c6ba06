"""The ledger's rules, the street office's reach and the 以奖代补 formula, over small in-memory fakes."""

from __future__ import annotations

import random
from typing import Any

import pytest

from core import funds, project_pay, projects
from core.broadcast import NotAllowed
from core.funds import FundError
from core.performance_pay import Formula, FormulaError, compute, parse_formula
from storage.records_projects import DeliveredRequest
from tests.unit.fakes_funds import NOW, FakeUow
from tests.unit.funds_model import LedgerModel

OFFICE, OTHER_OFFICE = 1, 2
SUN, OSMANTHUS = 10, 20


def _uow() -> Any:
    return FakeUow({OFFICE: [SUN, OSMANTHUS], OTHER_OFFICE: [OSMANTHUS]})


async def test_money_flows_down_and_every_balance_is_a_sum_of_rows() -> None:
    uow = _uow()
    fund = await projects.create_fund(uow, OFFICE, "福彩", "lottery", 1_000_000, NOW)
    project = await uow.project(fund, 500_000, [SUN])
    await funds.move(uow, fund, funds.POOL, funds.community_account(SUN), 600_000, OFFICE, "分配", NOW)
    await funds.move(uow, fund, funds.community_account(SUN), funds.project_account(project), 400_000, OFFICE, "", NOW)
    await funds.spend(uow, fund, project, 150_000, OFFICE, "食材", NOW)
    await funds.spend(uow, fund, project, 50_000, OFFICE, "奖励", NOW, performance=True)
    kinds = [e.kind for e in uow.funds.rows]
    assert kinds == ["fund_in", "allocate", "allocate", "spend", "performance"]
    totals = funds.totals(await uow.funds.balances(fund))
    assert (totals.funded, totals.unallocated, totals.in_communities, totals.in_projects, totals.spent) == (
        1_000_000,
        400_000,
        200_000,
        200_000,
        200_000,
    )
    assert totals.reconciles
    money = await funds.project_money(uow, fund, project)
    assert (money.allocated, money.spent, money.remaining, money.performance_paid) == (
        400_000,
        200_000,
        200_000,
        50_000,
    )
    assert uow.locks.taken and set(uow.locks.taken) == {f"fund:{fund}"}  # every movement of the fund serialised


async def test_taking_back_is_a_reallocation_and_counts_against_the_project_allocation() -> None:
    uow = _uow()
    fund = await projects.create_fund(uow, OFFICE, "街道", "street", 1_000_000, NOW)
    project = await uow.project(fund, 300_000, [SUN])
    await funds.move(uow, fund, funds.POOL, funds.project_account(project), 300_000, OFFICE, "", NOW)
    await funds.move(uow, fund, funds.project_account(project), funds.POOL, 100_000, OFFICE, "收回", NOW)
    assert uow.funds.rows[-1].kind == funds.REALLOCATE
    assert (await funds.project_money(uow, fund, project)).allocated == 200_000
    await funds.move(uow, fund, funds.POOL, funds.project_account(project), 100_000, OFFICE, "", NOW)  # room again


@pytest.mark.parametrize(
    ("source", "target", "amount", "key"),
    [
        ("pool", "community:10", 1_000_001, "fund.not_enough"),
        ("pool", "project:1", 500_001, "fund.over_budget"),
        ("community:10", "project:1", 1, "fund.not_enough"),
        ("pool", "community:99", 1, "fund.wrong_fund"),  # not a community of the fund
        ("pool", "project:77", 1, "fund.wrong_fund"),
        ("pool", "source", 1, "fund.bad_accounts"),  # nobody moves money back to the funder
        ("pool", "spent:1", 1, "fund.bad_accounts"),  # spending goes through spend()
        ("pool", "pool", 1, "fund.bad_accounts"),
        ("community:20", "project:1", 1, "fund.community_not_served"),  # 桂花's money, a project of 阳光 only
        ("project:1", "community:20", 1, "fund.community_not_served"),
        ("pool", "project:²", 1, "fund.wrong_fund"),
        ("pool", "community:99999999999999999999999", 1, "fund.wrong_fund"),
        ("pool", "community:10", 0, "fund.money_zero"),
        ("pool", "community:10", -5, "fund.money_zero"),
    ],
)
async def test_refused_movements_book_nothing(source: str, target: str, amount: int, key: str) -> None:
    uow = _uow()
    fund = await projects.create_fund(uow, OFFICE, "区", "district", 1_000_000, NOW)
    await uow.project(fund, 500_000, [SUN])
    before = list(uow.funds.rows)
    with pytest.raises(FundError) as refused:
        await funds.move(uow, fund, source, target, amount, OFFICE, "", NOW)
    assert refused.value.key == key
    assert uow.funds.rows == before


async def test_random_movements_match_an_independent_model() -> None:
    """Every movement either refused by both core.funds and the model (same reason, nothing booked) or booked by
    both: after each, every account's balance is the model's (not merely an identity of double entry)."""
    uow, rng = _uow(), random.Random(4)
    fund = await projects.create_fund(uow, OFFICE, "捐赠", "donation", 2_000_000, NOW)
    ids = [await uow.project(fund, 900_000, c) for c in ([SUN], [SUN, OSMANTHUS], [OSMANTHUS])]
    model = LedgerModel({p: 900_000 for p in ids}, {ids[0]: (SUN,), ids[1]: (SUN, OSMANTHUS), ids[2]: (OSMANTHUS,)})
    model.fund_in(2_000_000)
    accounts = [
        funds.POOL,
        funds.community_account(SUN),
        funds.community_account(OSMANTHUS),
        *(funds.project_account(p) for p in ids),
    ]
    outcomes: dict[str | None, int] = {}
    for _ in range(400):
        amount = rng.choice([1, 777, 50_000, 300_000])
        if rng.random() < 0.2:
            project = rng.choice(ids)
            expected = model.spend(project, amount)
            attempt = funds.spend(uow, fund, project, amount, OFFICE, "", NOW, performance=rng.random() < 0.5)
        else:
            source, target = rng.sample(accounts, 2)
            expected = model.move(source, target, amount)
            attempt = funds.move(uow, fund, source, target, amount, OFFICE, "", NOW)
        try:
            await attempt
            got = None
        except FundError as refused:
            got = refused.key
        assert got == expected
        outcomes[got] = outcomes.get(got, 0) + 1
        assert {k: v for k, v in (await uow.funds.balances(fund)).items() if v} == model.nonzero()
        for p in ids:
            assert (await funds.project_money(uow, fund, p)).allocated == model.allocated(p)
    # Every path really ran: bookings and each kind of refusal.
    assert {None, "fund.not_enough", "fund.over_budget", "fund.community_not_served"} <= set(outcomes), outcomes


async def test_an_office_reaches_only_funds_and_projects_all_of_whose_communities_it_steers() -> None:
    uow = _uow()
    fund = await projects.create_fund(uow, OFFICE, "福彩", "lottery", 100, NOW)  # over 阳光 and 桂花
    shared = await uow.project(fund, 100, [SUN, OSMANTHUS])
    theirs = await uow.project(fund, 100, [OSMANTHUS])
    assert (await projects.project_for(uow, OFFICE, shared)).id == shared
    assert (await projects.project_for(uow, OTHER_OFFICE, theirs)).id == theirs
    for attempt in (
        projects.project_for(uow, OTHER_OFFICE, shared),
        projects.fund_for(uow, OTHER_OFFICE, fund),
        projects.project_for(uow, 3, theirs),
        projects.project_for(uow, OFFICE, 999),
        projects.fund_for(uow, OFFICE, None),
    ):
        with pytest.raises(NotAllowed):
            await attempt
    with pytest.raises(NotAllowed):  # a resident is no street office
        await projects.create_fund(uow, 3, "x", "street", 100, NOW)
    assert [p.id for p in await projects.visible_projects(uow, OTHER_OFFICE)] == [theirs]


def test_formula_read_in_chinese_or_english_in_any_order() -> None:
    assert parse_formula("每单 50元，每小时 30元，满意奖 2000元，满意度 4.5，封顶 3万") == Formula(
        5_000, 3_000, 200_000, 4.5, 3_000_000
    )
    assert parse_formula("cap 1000; per request 10") == Formula(per_request=1_000, cap=100_000)
    for bad in ("每单 五十", "满意度 6，每单 1", "你好", "每单 1，每单 2", "满意奖 1万，满意度 0.5", "每单 0.001"):
        with pytest.raises(FormulaError):
            parse_formula(bad)
    for bad in ("满意度 NaN，每单 1", "满意度 sNaN，每单 1", "satisfaction Infinity, per request 1"):  # not comparable
        with pytest.raises(FormulaError):
            parse_formula(bad)


def test_payment_breakdown_bonus_cap_and_what_was_paid_already() -> None:
    formula = Formula(per_request=5_000, per_hour=3_000, bonus=200_000, threshold=4.5, cap=300_000)
    b = compute(formula, done=10, minutes=90, satisfaction=4.6, already_paid=0)
    assert (b.for_requests, b.for_hours, b.bonus, b.total, b.capped, b.due) == (
        50_000,
        4_500,
        200_000,
        254_500,
        False,
        254_500,
    )
    assert compute(formula, 10, 90, 4.4, 0).bonus == 0
    assert compute(formula, 10, 90, None, 0).bonus == 0  # nothing rated: no bonus
    capped = compute(formula, 100, 0, 5.0, 254_500)
    assert capped.capped and capped.total == 300_000 and capped.due == 45_500
    assert compute(formula, 1, 0, None, 999_999).due == 0  # never negative: paying twice pays once
    assert compute(Formula(per_hour=1_001), 0, 1, None, 0).for_hours == 16  # rounded down to the fen


async def test_delivered_figures_and_the_communities_share_of_a_shared_project() -> None:
    uow = _uow()
    fund = await projects.create_fund(uow, OFFICE, "福彩", "lottery", 1_000_001, NOW)
    shared = await uow.project(fund, 1_000_001, [SUN, OSMANTHUS])
    await funds.move(uow, fund, funds.POOL, funds.project_account(shared), 1_000_001, OFFICE, "", NOW)
    await funds.spend(uow, fund, shared, 3, OFFICE, "", NOW)
    uow.projects.done[shared] = [
        DeliveredRequest(1, "YG-1", SUN, 5, NOW),
        DeliveredRequest(2, "GH-1", OSMANTHUS, 4, NOW),
        DeliveredRequest(3, "YG-2", SUN, None, NOW),
    ]
    uow.projects.minutes = {1: 60, 2: 30, 3: 30}
    project = await uow.projects.get(shared)
    figures = await projects.figures(uow, project)
    assert (figures.delivered.done, figures.delivered.minutes, figures.delivered.satisfaction) == (3, 120, 4.5)
    rows = await projects.community_figures(uow, OFFICE, [figures])
    assert [(r.community_id, r.in_projects, r.spent, r.done) for r in rows] == [
        (SUN, 500_001, 2, 2),
        (OSMANTHUS, 500_000, 1, 1),
    ]
    assert sum(r.allocated for r in rows) == figures.money.allocated  # the shares add up to the whole


async def test_a_closed_project_gets_no_more_money_but_settles_and_gives_back() -> None:
    uow = _uow()
    fund = await projects.create_fund(uow, OFFICE, "街道", "street", 1_000_000, NOW)
    project = await uow.project(fund, 500_000, [SUN])
    await funds.move(uow, fund, funds.POOL, funds.project_account(project), 300_000, OFFICE, "", NOW)
    await uow.projects.set_status(project, "closed")
    with pytest.raises(FundError) as refused:
        await funds.move(uow, fund, funds.POOL, funds.project_account(project), 1, OFFICE, "", NOW)
    assert refused.value.key == "fund.project_closed"
    await funds.spend(uow, fund, project, 100_000, OFFICE, "尾款", NOW)
    await funds.move(uow, fund, funds.project_account(project), funds.POOL, 200_000, OFFICE, "收回结余", NOW)
    assert await funds.project_money(uow, fund, project) == funds.ProjectMoney(100_000, 100_000, 0, 0)


class _PaidMeanwhile:
    """Locks where, while this transaction waits for the fund's lock, another one pays 以奖代补 and commits."""

    def __init__(self, uow: Any, project: int, amount: int) -> None:
        self.uow, self.project, self.amount, self.taken = uow, project, amount, list[str]()

    async def one_at_a_time(self, name: str) -> None:
        if not self.taken:
            fund = (await self.uow.projects.get(self.project)).fund_id
            await self.uow.funds.book(fund, funds.PERFORMANCE, self.amount, funds.project_account(self.project),
                                      funds.spent_account(self.project), project_id=self.project, community_id=None,
                                      actor_id=OTHER_OFFICE, reason="", now=NOW)  # fmt: skip
        self.taken.append(name)


async def _delivering_project(uow: Any) -> tuple[int, int]:
    fund = await projects.create_fund(uow, OFFICE, "福彩", "lottery", 1_000_000, NOW)
    project = await uow.project(fund, 500_000, [SUN])
    uow.projects.done[project] = [DeliveredRequest(n, f"YG-{n}", SUN, 5, NOW) for n in (1, 2)]
    return fund, project


async def test_performance_pay_reads_what_was_paid_only_under_the_funds_lock() -> None:
    """Two confirmations at once pay once: the second, having waited for the lock, sees the first's payment."""
    uow = _uow()
    fund, project = await _delivering_project(uow)
    await funds.move(uow, fund, funds.POOL, funds.project_account(project), 300_000, OFFICE, "", NOW)
    formula = Formula(per_request=10_000)
    shown = await project_pay.preview(uow, await uow.projects.get(project), formula)
    assert shown.due == 20_000
    uow.locks = _PaidMeanwhile(uow, project, 20_000)
    result, paid = await project_pay.pay(uow, OFFICE, project, formula, shown.due, lambda b: "以奖代补", NOW)
    assert not paid and result.due == 0 and result.already_paid == 20_000
    assert (await funds.project_money(uow, fund, project)).performance_paid == 20_000  # once, not twice


async def test_a_refused_performance_payment_leaves_no_formula_saved() -> None:
    uow = _uow()
    fund, project = await _delivering_project(uow)  # nothing allocated to the project: the spend is refused
    formula = Formula(per_request=10_000)
    with pytest.raises(FundError) as refused:
        await project_pay.pay(uow, OFFICE, project, formula, 20_000, lambda b: "", NOW)
    assert refused.value.key == "fund.not_enough"
    assert (await uow.projects.get(project)).formula is None and len(uow.funds.rows) == 1  # the fund-in only
    await funds.move(uow, fund, funds.POOL, funds.project_account(project), 300_000, OFFICE, "", NOW)
    assert (await project_pay.pay(uow, OFFICE, project, formula, 20_000, lambda b: "", NOW))[1]
    assert (await uow.projects.get(project)).formula == formula.to_json()
