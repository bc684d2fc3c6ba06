"""The funds ledger on SQLite and PostgreSQL (`db_url`): after a long random sequence of fund-ins, allocations,
re-allocations, spending and performance payments (a fixed seed), the totals reconcile after every step —
funded = unallocated + allocated, each project's allocated = spent + remaining, no account below zero — and
the ledger refuses UPDATE and DELETE."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from core import funds, people, projects
from core.exports.projects import ledger_report, projects_report
from core.funds import FundError
from storage.db import Database
from storage.protocols import UnitOfWork
from storage.records import utc_now
from tests.pg import SessionDatabase
from tests.unit.funds_model import LedgerModel

TZ = ZoneInfo("Asia/Shanghai")
OFFICE = 700001
STEPS = 120


async def _setup(tx: UnitOfWork) -> tuple[int, list[int], list[int]]:
    now = utc_now()
    ids = [(await tx.communities.add(name, now)).id for name in ("阳光社区", "桂花社区", "枫树社区")]
    await people.register_street_office(tx, OFFICE, ["阳光社区", "桂花社区", "枫树社区"], "zh_CN", now)
    fund_id = await projects.create_fund(tx, OFFICE, "2027年福彩公益金", "lottery", 50_000_000, now)
    organization = await tx.catalog.ensure_organization("阳光社工服务中心", now)
    project_ids = []
    for number, communities in enumerate(([ids[0]], [ids[0], ids[1]], [ids[2]]), start=1):
        project_id = await tx.projects.create(
            fund_id,
            f"项目{number}",
            "purchase",
            8_000_000,
            organization,
            communities,
            now,
            now + timedelta(days=365),
            OFFICE,
            now,
        )
        assert project_id is not None
        project_ids.append(project_id)
    return fund_id, ids, project_ids


async def _check(tx: UnitOfWork, fund_id: int, project_ids: list[int], model: LedgerModel) -> None:
    """The database against the model: every account's balance, each project's allocated and spent."""
    balances = await tx.funds.balances(fund_id)
    assert {k: v for k, v in balances.items() if v} == model.nonzero()
    totals = funds.totals(balances)
    assert totals.funded == model.funded and not totals.negative
    for project_id in project_ids:
        money = await funds.project_money(tx, fund_id, project_id)
        assert money.allocated == model.allocated(project_id)
        assert money.spent == model.balances[funds.spent_account(project_id)]


async def test_random_movements_match_an_independent_model(db_url: str) -> None:
    """Each movement is refused by the database exactly when the model refuses it (a refusal rolls back whole),
    and after each one every balance is the model's; at the end the three workbooks say what the model says."""
    db = await Database.open(db_url)
    rng = random.Random(15)
    try:
        async with db.transaction() as tx:
            fund_id, communities, project_ids = await _setup(tx)
            serves = {p: (await tx.projects.get(p)).community_ids for p in project_ids}  # type: ignore[union-attr]
        model = LedgerModel({p: 8_000_000 for p in project_ids}, serves)
        model.fund_in(50_000_000)
        accounts = [
            funds.POOL,
            *(funds.community_account(c) for c in communities),
            *(funds.project_account(p) for p in project_ids),
        ]
        outcomes: dict[str | None, int] = {}
        for _ in range(STEPS):
            amount = rng.choice([1, 99, 10_000, 123_456, 1_000_000, 5_000_000, 20_000_000])
            operation = rng.choice(["in", "move", "move", "move", "spend", "performance"])
            source, target = rng.sample(accounts, 2)
            project = rng.choice(project_ids)
            if operation == "in":
                expected = model.fund_in(amount)
            elif operation == "move":
                expected = model.move(source, target, amount)
            else:
                expected = model.spend(project, amount)
            try:
                async with db.transaction() as tx:
                    now = utc_now()
                    if operation == "in":
                        await funds.fund_in(tx, fund_id, amount, OFFICE, "追加", now)
                    elif operation == "move":
                        await funds.move(tx, fund_id, source, target, amount, OFFICE, "调整", now)
                    else:
                        await funds.spend(tx, fund_id, project, amount, OFFICE, "支出", now,
                                          performance=operation == "performance")  # fmt: skip
                got = None
            except FundError as refused:
                got = refused.key
            assert got == expected, (operation, source, target, project, amount)
            outcomes[got] = outcomes.get(got, 0) + 1
            async with db.transaction() as tx:
                await _check(tx, fund_id, project_ids, model)
        assert outcomes.get(None, 0) > 30 and sum(outcomes.values()) - outcomes.get(None, 0) > 5, outcomes
        async with db.transaction() as tx:
            entries = await tx.funds.entries(fund_id)
            figures = [await projects.figures(tx, p) for p in await projects.visible_projects(tx, OFFICE)]
        ledger = ledger_report(entries, {fund_id: "福彩"}, {}, utc_now(), TZ)
        by_kind = {row[3]: 0.0 for row in ledger.table.rows}
        for row in ledger.table.rows:
            by_kind[str(row[3])] += float(row[4])  # type: ignore[arg-type]
        assert round(by_kind["资金到账"] * 100) == model.funded
        book = projects_report(figures, {}, utc_now(), TZ)
        for row in book.table.rows:
            project_id = int(row[0])  # type: ignore[arg-type]
            assert round(float(row[7]) * 100) == model.allocated(project_id)  # type: ignore[arg-type]
            assert round(float(row[8]) * 100) == model.balances[funds.spent_account(project_id)]  # type: ignore[arg-type]
            assert round(float(row[9]) * 100) == model.balances[funds.project_account(project_id)]  # type: ignore[arg-type]
    finally:
        await db.close()


async def test_the_ledger_cannot_be_changed_or_rows_removed(db_url: str) -> None:
    db = await Database.open(db_url)
    try:
        async with db.transaction() as tx:
            fund_id, _, _ = await _setup(tx)
        for statement in ("UPDATE fund_ledger SET amount_fen = 1", "DELETE FROM fund_ledger"):
            with pytest.raises(Exception, match="append-only"):
                async with db.transaction() as tx:
                    await tx.conn.execute(statement)  # type: ignore[attr-defined]
        async with db.transaction() as tx:
            assert funds.totals(await tx.funds.balances(fund_id)).funded == 50_000_000
    finally:
        await db.close()


async def test_a_project_gets_no_more_than_its_budget_and_a_pool_no_less_than_zero(db_url: str) -> None:
    db = await Database.open(db_url)
    try:
        async with db.transaction() as tx:
            fund_id, _, project_ids = await _setup(tx)
        async with db.transaction() as tx:
            with pytest.raises(FundError) as over:
                await funds.move(
                    tx, fund_id, funds.POOL, funds.project_account(project_ids[0]), 8_000_001, OFFICE, "", utc_now()
                )
            assert over.value.key == "fund.over_budget"
            with pytest.raises(FundError) as short:
                await funds.spend(tx, fund_id, project_ids[0], 1, OFFICE, "", utc_now())
            assert short.value.key == "fund.not_enough"
    finally:
        await db.close()


async def test_two_transactions_on_one_fund_take_turns_on_postgresql(postgres: SessionDatabase) -> None:
    """PostgreSQL runs transactions side by side: the first takes the fund's lock and books 7,000 of the pool's
    10,000; the second, allocating 7,000 too, waits for that lock (seen in pg_locks), then reads the pool after
    the first committed and is refused. Without the lock both would read 10,000 and both would book."""
    postgres.restore("migrated")
    db = await Database.open(postgres.url)
    try:
        async with db.transaction() as tx:
            fund_id, communities, _ = await _setup(tx)
            await funds.move(
                tx, fund_id, funds.POOL, funds.community_account(communities[2]), 49_000_000, OFFICE, "", utc_now()
            )  # fmt: skip  (the pool keeps 1,000,000 fen)
        target = funds.community_account(communities[0])
        booked, release = asyncio.Event(), asyncio.Event()

        async def first() -> None:
            async with db.transaction() as tx:
                await funds.move(tx, fund_id, funds.POOL, target, 700_000, OFFICE, "第一笔", utc_now())
                booked.set()
                await release.wait()

        async def second() -> str | None:
            await booked.wait()
            try:
                async with db.transaction() as tx:
                    await funds.move(tx, fund_id, funds.POOL, target, 700_000, OFFICE, "第二笔", utc_now())
            except FundError as refused:
                return refused.key
            return None

        async def waiting_for_the_lock() -> bool:
            async with db.transaction() as tx:
                cursor = await tx.conn.execute(  # type: ignore[attr-defined]
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                )
                row = await cursor.fetchone()
            return bool(row and int(row[0]) > 0)

        one, two = asyncio.create_task(first()), asyncio.create_task(second())
        async with asyncio.timeout(30):  # a guard against a hang, not a measured time
            await booked.wait()
            while not await waiting_for_the_lock():  # noqa: ASYNC110 - another connection's lock: no event to await
                await asyncio.sleep(0.05)
            assert not two.done()
            release.set()
            await one
            assert await two == "fund.not_enough"  # it saw the first's booking
        async with db.transaction() as tx:
            balances = await tx.funds.balances(fund_id)
            moved = [e for e in await tx.funds.entries(fund_id) if e.to_account == target]
        assert (balances[funds.POOL], balances[target], len(moved)) == (300_000, 700_000, 1)
    finally:
        await db.close()
