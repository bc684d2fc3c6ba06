"""The street office's grouped queries (storage/sqlite/street_reports.py) on SQLite and PostgreSQL (`db_url`):
the rates and the percentiles computed in SQL agree with core.stats over the same pushes, per community and in
total; demand, supply, provider loads and waits are counted per community of the set and nowhere else."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.sample_city import seed
from core import provider_moves, stats
from core.people import register_provider
from storage.db import Database
from storage.records import HistoryEntry, NewRequest, utc_now
from storage.session import Session
from storage.street_records import ALL_COMMUNITIES

NOW = utc_now().replace(microsecond=0)
START = NOW - timedelta(days=2)
CHEN = 910001
ZHOU = 910002  # serves 东塘社区 only (moved out of the set) but still has a task in 桂花社区


async def _task(
    tx: Session, community_id: int, n: int, to_accept: int, to_done: int | None, status: str, provider: int = CHEN
) -> int:
    """A request pushed to 陈社工 at START + n hours, accepted after `to_accept` minutes, done `to_done` later."""
    offered = START + timedelta(hours=n)
    record = await tx.requests.add(NewRequest(1, community_id, "S020", "下水道堵了"), f"T-2612-{n:04d}", "dispatched",
                                   offered)  # fmt: skip
    await tx.requests.add_history(HistoryEntry(record.id, offered, 1, None, "dispatched", None))
    await tx.providers.add_offer(record.id, provider, None, offered)
    answered = offered + timedelta(minutes=to_accept)
    assert await tx.providers.answer_offer(record.id, provider, "accepted", answered)
    assert await tx.providers.claim(record.id, provider, answered)
    if to_done is not None:
        await tx.requests.add_history(HistoryEntry(record.id, answered + timedelta(minutes=to_done), provider,
                                                   "accepted", "done", None))  # fmt: skip
    await tx.requests.set_status(record.id, status, answered)
    return record.id


async def test_rates_and_percentiles_in_sql_agree_with_core_stats(db_url: str) -> None:
    db = await Database.open(db_url)
    async with db.transaction() as tx:
        await seed(tx, NOW)
        await tx.users.create(1, "zh_CN", NOW)
        sunshine, osmanthus, dongtang = [await tx.communities.by_name(n) for n in ("阳光社区", "桂花社区", "东塘社区")]
        assert sunshine and osmanthus and dongtang
        await register_provider(
            tx, CHEN, "social_worker", name="陈社工", organization=None, service_ids=["S020"],
            communities=["阳光社区", "桂花社区"], supervisor_id=None, locale="zh_CN", now=START,
        )  # fmt: skip
        for n, (accept, done, status) in enumerate([(1, 30, "done"), (2, 60, "rated"), (3, None, "accepted"),
                                                    (10, 90, "done")]):  # fmt: skip
            request_id = await _task(tx, sunshine.id, n, accept, done, status)
            if status == "rated":
                await tx.requests.set_rating(request_id, 4, None, NOW)
        await _task(tx, osmanthus.id, 10, 20, None, "in_progress")
        await _task(tx, dongtang.id, 11, 500, 500, "done")  # not in the set
        await register_provider(
            tx, ZHOU, "social_worker", name="周社工", organization=None, service_ids=["S020"],
            communities=["东塘社区"], supervisor_id=None, locale="zh_CN", now=START,
        )  # fmt: skip
        await _task(tx, osmanthus.id, 12, 4, None, "accepted", ZHOU)
        unmet = await tx.requests.add(
            NewRequest(1, osmanthus.id, None, "不知道找谁"), "T-2612-0099", "unmatched", START
        )
        # Escalated to staff, who then closed it: still unmet, not resolved.
        closed = await tx.requests.add(NewRequest(1, osmanthus.id, "S020", "没人接"), "T-2612-0098", "submitted", START)
        await tx.requests.add_history(HistoryEntry(closed.id, START, 1, None, "submitted", None))
        await tx.requests.add_history(HistoryEntry(closed.id, START, None, "submitted", "escalated", None))
        await tx.requests.add_history(HistoryEntry(closed.id, NOW, 2, "escalated", "done", None))
        await tx.requests.set_status(closed.id, "done", NOW)
        # Cancelled before any provider accepted: unmet.
        gone = await tx.requests.add(NewRequest(1, sunshine.id, "S020", "算了"), "T-2612-0097", "cancelled", START)
        await tx.requests.add_history(HistoryEntry(gone.id, START, 1, None, "submitted", None))
        # Out with providers now: the only kind of wait that counts for dispatch order.
        out = START + timedelta(hours=20)
        pushed = await tx.requests.add(NewRequest(1, sunshine.id, "S020", "等人接"), "T-2612-0096", "dispatched", out)
        await tx.requests.add_history(HistoryEntry(pushed.id, out, 1, None, "dispatched", None))
        ids = [sunshine.id, osmanthus.id]
        limit = timedelta(minutes=5)
        counts = {c.community_id: c for c in await tx.street_reports.offer_counts(ids, START, NOW, 5.0)}
        waits = {w.community_id: w for w in await tx.street_reports.waiting_times(ids, START, NOW)}
        demand = await tx.street_reports.demand(ids, START - timedelta(hours=1), NOW)
        supply = await tx.street_reports.supply(ids)
        loads = await tx.street_reports.provider_loads(ids, START)
        waiting = await tx.street_reports.waiting_since([*ids, dongtang.id])
        facts = {cid: await tx.providers.offer_facts(START, NOW, cid) for cid in ids}
    await db.close()

    for cid, group in (
        (sunshine.id, facts[sunshine.id]),
        (ALL_COMMUNITIES, [*facts[sunshine.id], *facts[osmanthus.id]]),
    ):
        expected = stats.figures("", group, limit)
        got = counts[cid]
        assert got.in_time / got.needed == expected.response_rate
        assert got.done / got.accepted == expected.resolution_rate
        assert waits[cid].median_to_accept == expected.median_minutes_to_accept
        assert waits[cid].median_to_done == expected.median_minutes_to_done
        assert got.satisfaction == expected.satisfaction == 4
    assert (waits[sunshine.id].median_to_accept, waits[sunshine.id].p90_to_accept) == (2.5, 10)  # 1, 2, 3, 10
    assert (waits[ALL_COMMUNITIES].median_to_accept, waits[ALL_COMMUNITIES].p90_to_accept) == (3.5, 20)  # … 4, 20
    assert (waits[sunshine.id].median_to_done, waits[sunshine.id].p90_to_done) == (60, 90)
    assert counts[ALL_COMMUNITIES].offers == 6  # 东塘社区's push is not the office's

    by_place = {(d.community_id, d.category): (d.filed, d.unmet, d.resolved) for d in demand}
    assert by_place == {(sunshine.id, "housekeeping"): (6, 1, 3), (osmanthus.id, "housekeeping"): (3, 1, 0),
                        (osmanthus.id, None): (1, 1, 0)}  # fmt: skip
    pipes = {s.community_id: s for s in supply if s.category == "housekeeping"}
    assert pipes[sunshine.id].providers == 1 and pipes[osmanthus.id].providers == 1 and pipes[sunshine.id].services > 0
    assert {(r.provider_id, r.community_id, r.serves, r.open_tasks, r.done_recently, r.open_total) for r in loads} == {
        (CHEN, sunshine.id, True, 1, 3, 2), (CHEN, osmanthus.id, True, 1, 0, 2), (ZHOU, osmanthus.id, False, 1, 0, 1),
    }  # fmt: skip
    assert waiting == {sunshine.id: out} and unmet.id > 0


class _HeldBeforeDelete:
    """The street_reports of a transaction, holding its delete until `go`: the first office has passed its checks
    (and holds the provider's lock) when the second starts."""

    def __init__(self, inner: object, ready: asyncio.Event, go: asyncio.Event) -> None:
        self._inner, self._ready, self._go = inner, ready, go

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    async def remove_service_area(self, *args: object) -> bool:
        self._ready.set()
        await self._go.wait()
        return await self._inner.remove_service_area(*args)  # type: ignore[attr-defined, no-any-return]


async def _someone_waits_for_a_lock(db: Database) -> bool:
    query = "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    async with db.transaction() as tx, tx.conn.execute(query) as cursor:
        row = await cursor.fetchone()
    return row is not None and int(row[0]) > 0


async def test_two_offices_removing_a_providers_last_two_communities_at_once(db_url: str) -> None:
    """Each office sees two communities; both removals at once must not leave the provider serving nowhere.
    PostgreSQL runs the two transactions side by side: the second reads before the first commits, unless
    core.provider_moves makes them take turns (SQLite's one writer already does)."""
    db = await Database.open(db_url)
    async with db.transaction() as tx:
        await seed(tx, NOW)
        for office in (1, 2):
            await tx.users.create(office, "zh_CN", NOW)
        await register_provider(
            tx, CHEN, "social_worker", name="陈社工", organization=None, service_ids=["S020"],
            communities=["阳光社区", "桂花社区"], supervisor_id=None, locale="zh_CN", now=START,
        )  # fmt: skip
        sunshine, osmanthus = [await tx.communities.by_name(n) for n in ("阳光社区", "桂花社区")]
    assert sunshine and osmanthus
    names = {sunshine.id: sunshine.name, osmanthus.id: osmanthus.name}
    ready, go = asyncio.Event(), asyncio.Event()

    async def remove(office: int, community_id: int, held: bool) -> str:
        try:
            async with db.transaction() as tx:
                if held:
                    tx.street_reports = _HeldBeforeDelete(tx.street_reports, ready, go)  # type: ignore[assignment]
                await provider_moves.move(tx, office, names, CHEN, community_id, False, NOW)
        except provider_moves.MoveRefused as refused:
            return refused.reason
        return "moved"

    first = asyncio.create_task(remove(1, sunshine.id, True))
    await ready.wait()
    if db_url.startswith("postgres"):
        second = asyncio.create_task(remove(2, osmanthus.id, False))
        # Until the second has finished (no lock) or waits for the first's lock (with it); no timing involved.
        while not await _someone_waits_for_a_lock(db):
            finished, _ = await asyncio.wait({second}, timeout=0.02)
            if finished:
                break
        go.set()
        outcomes = [await first, await second]
    else:  # one writer at a time: the second transaction cannot even begin before the first ends
        go.set()
        outcomes = [await first, await remove(2, osmanthus.id, False)]
    async with db.transaction() as tx:
        chen = await tx.providers.get(CHEN)
    await db.close()
    assert outcomes == ["moved", "last"]
    assert chen is not None and len(chen.community_ids) == 1
