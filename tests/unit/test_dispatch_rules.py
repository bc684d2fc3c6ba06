"""Dispatch and task rules over fakes: ranking, rounds, escalation, the first accept wins, giving up."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core import tasks
from core.dispatch import MAX_OPEN_TASKS, dispatch, rank
from core.requests import Status, open_request
from storage.records import Candidate, NewRequest
from tests.unit.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def test_rank_prefers_fewer_open_tasks_then_better_ratings_and_skips_the_overloaded() -> None:
    pool = [Candidate(1, 2, 5.0), Candidate(2, 0, 3.0), Candidate(3, 0, 4.5), Candidate(4, MAX_OPEN_TASKS, 5.0)]
    assert rank(pool, top_k=3) == [3, 2, 1]
    quick, slow, unknown = Candidate(7, 0, 4.0, 2.0), Candidate(8, 0, 4.0, 30.0), Candidate(9, 0, 4.0, None)
    assert rank([unknown, slow, quick]) == [7, 8, 9]


async def _request(uow: FakeUnitOfWork) -> int:
    new = NewRequest(resident_id=1, community_id=1, service_id="S020", need_text="下水道堵了")
    return (await open_request(uow, new, "阳光社区", NOW, ZoneInfo("Asia/Shanghai"))).request.id


async def test_push_to_top_k_then_next_round_after_declines_then_staff() -> None:
    uow = FakeUnitOfWork(["阳光社区"])
    uow.providers.eligible = [Candidate(i, 0, None) for i in (11, 12, 13, 14)]
    rid = await _request(uow)
    (first,) = await dispatch(uow, uow.requests.rows[rid], NOW, top_k=2)
    assert first.after is Status.DISPATCHED and first.push_to == (11, 12)
    for pid, outbox in ((11, None), (12, None)):
        await uow.providers.add_offer(rid, pid, outbox, NOW)
    assert (await tasks.decline(uow, rid, 11, NOW)).changes == []  # 12 may still accept
    second = (await tasks.decline(uow, rid, 12, NOW)).changes
    assert second[0].push_to == (13, 14) and second[0].after is Status.DISPATCHED
    for pid in (13, 14):
        await uow.providers.add_offer(rid, pid, None, NOW)
    await tasks.decline(uow, rid, 13, NOW)
    last = (await tasks.decline(uow, rid, 14, NOW)).changes
    assert [c.after for c in last] == [Status.ESCALATED]


async def test_the_first_accept_wins_and_the_second_is_told() -> None:
    uow = FakeUnitOfWork(["阳光社区"])
    uow.providers.eligible = [Candidate(11, 0, None), Candidate(12, 0, None)]
    rid = await _request(uow)
    await dispatch(uow, uow.requests.rows[rid], NOW)
    for pid in (11, 12):
        await uow.providers.add_offer(rid, pid, None, NOW)
    won = await tasks.accept(uow, rid, 12, NOW)
    assert won.won and [o.provider_id for o in won.closed_offers] == [11]
    assert not (await tasks.accept(uow, rid, 11, NOW)).won
    assert uow.requests.rows[rid].provider_id == 12 and uow.requests.rows[rid].status == "accepted"
    with pytest.raises(tasks.TaskError):
        await tasks.accept(uow, rid, 99, NOW)  # never offered
    with pytest.raises(tasks.TaskError):
        await tasks.set_off(uow, rid, 11, NOW)  # not the winner


async def test_giving_up_releases_the_task_and_asks_someone_else() -> None:
    uow = FakeUnitOfWork(["阳光社区"])
    uow.providers.eligible = [Candidate(11, 0, None), Candidate(12, 0, None)]
    rid = await _request(uow)
    await dispatch(uow, uow.requests.rows[rid], NOW, top_k=1)
    await uow.providers.add_offer(rid, 11, None, NOW)
    await tasks.accept(uow, rid, 11, NOW)
    outcome = await tasks.give_up(uow, rid, 11, "工具不够", NOW)
    assert uow.requests.rows[rid].provider_id is None
    assert outcome.changes[0].after is Status.DISPATCHED and outcome.changes[0].note == "cannot_complete: 工具不够"
    assert outcome.changes[1].push_to == (12,)
