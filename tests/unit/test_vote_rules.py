"""The rules of residents' votes on projects (core/votes.py), over in-memory fakes of the storage Protocols."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core import votes
from core.broadcast import NotAllowed
from storage.records import User, VoteProject
from tests.unit.fakes import FakeUnitOfWork

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)  # 13:00 in the city
STAFF_A, STAFF_B, RESIDENT_A, RESIDENT_B, PROVIDER_A = 1, 2, 3, 4, 5
DRAFTS = [votes.ProjectDraft("楼道照明", "阳光社工", 20000, ""), votes.ProjectDraft("四点半课堂", "阳光社工", 8000, ""),
          votes.ProjectDraft("长者助餐", "安康", 15000, "")]  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("2026-12-20", (2026, 12, 20)), ("12月20日", (2026, 12, 20)), ("１２月２０号", (2026, 12, 20)),
     ("12/20", (2026, 12, 20)), ("14", (2026, 12, 12)), ("14天", (2026, 12, 12)), ("1月5日", (2027, 1, 5)),
     ("20日", (2026, 12, 20)), ("28号", (2026, 11, 28)), ("27号", (2026, 12, 27))],
)  # fmt: skip
def test_closing_day_is_read_the_ways_staff_type_it(typed: str, expected: tuple[int, int, int]) -> None:
    closes_at = votes.parse_closing(typed, NOW, TZ)
    assert (closes_at.year, closes_at.month, closes_at.day, closes_at.hour, closes_at.minute) == (*expected, 23, 59)
    assert closes_at.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("typed", "key"),
    [("明天", "vote.bad_date"), ("2月30日", "vote.bad_date"), ("2026-11-27", "vote.bad_date_past"),
     ("0", "vote.bad_date_past"), ("91", "vote.bad_date_far"), ("", "vote.bad_date")],
)  # fmt: skip
def test_bad_closing_days_say_why(typed: str, key: str) -> None:
    with pytest.raises(votes.BadInput) as caught:
        votes.parse_closing(typed, NOW, TZ)
    assert caught.value.key == key


def test_today_after_2359_is_past() -> None:
    late = datetime(2026, 11, 28, 16, 0, tzinfo=UTC)  # 00:00 on the 29th in the city
    with pytest.raises(votes.BadInput):
        votes.parse_closing("11月28日", late, TZ)


@pytest.mark.parametrize(
    ("typed", "yuan"),
    [("5000", 5000), ("5,000元", 5000), ("０.５万", 5000), ("8k", 8000), ("3千块", 3000), ("2.5", 3),
     ("1,234,567", 1234567)],
)  # fmt: skip
def test_budgets(typed: str, yuan: int) -> None:
    assert votes.parse_budget(typed) == yuan


@pytest.mark.parametrize("typed", ["0", "0.4", "1,2", "1,,,,0", "很多", "2亿"])
def test_bad_budgets(typed: str) -> None:
    with pytest.raises(votes.BadInput):
        votes.parse_budget(typed)


def test_project_by_lines_or_bars_and_what_is_missing() -> None:
    assert votes.parse_project("楼道照明改造\n阳光社工\n2万\n给老楼道装声控灯") == votes.ProjectDraft(
        "楼道照明改造", "阳光社工", 20000, "给老楼道装声控灯"
    )
    assert votes.parse_project("四点半课堂 ｜ 阳光社工 | 8000").budget_yuan == 8000
    for bad, key in (("只有名称", "vote.bad_project"), ("名称\n机构\n很多钱", "vote.bad_budget"),
                     ("名" * 41 + "\n机构\n100", "vote.bad_title_long")):  # fmt: skip
        with pytest.raises(votes.BadInput) as caught:
            votes.parse_project(bad)
        assert caught.value.key == key


def test_paper_ballots_need_a_count_and_a_note() -> None:
    assert votes.parse_paper("35 第三网格投票箱") == (35, "第三网格投票箱")
    assert votes.parse_paper("３５张，居民议事会") == (35, "居民议事会")
    assert votes.parse_paper("35张居民议事会") == (35, "居民议事会")
    for bad, key in (("很多", "vote.bad_paper"), ("35", "vote.bad_paper_note"), ("0 无", "vote.bad_paper"),
                     ("355号楼投票箱", "vote.bad_paper"), ("12栋 35张", "vote.bad_paper"),
                     ("1000005 box", "vote.bad_paper")):  # fmt: skip
        with pytest.raises(votes.BadInput) as caught:
            votes.parse_paper(bad)
        assert caught.value.key == key


def _projects(n: int) -> list[VoteProject]:
    return [VoteProject(i, 1, i, f"P{i}", "org", 100) for i in range(1, n + 1)]


def test_tally_funds_the_top_and_every_project_tied_at_the_last_place() -> None:
    rows = votes.tally(_projects(4), {1: 3, 2: 5, 3: 2}, {3: 1, 4: 1}, winners=2)
    assert [(r.project.id, r.total, r.won) for r in rows] == [(2, 5, True), (1, 3, True), (3, 3, True), (4, 1, False)]
    assert [r.won for r in votes.tally(_projects(3), {}, {}, winners=1)] == [False, False, False]  # nobody voted


async def _city() -> FakeUnitOfWork:
    uow = FakeUnitOfWork(["阳光社区", "桂花社区"])
    for tid, role, community in ((STAFF_A, "staff", 1), (STAFF_B, "staff", 2), (RESIDENT_A, "resident", 1),
                                 (RESIDENT_B, "resident", 2), (PROVIDER_A, "volunteer", 1)):  # fmt: skip
        await uow.users.create(tid, "zh_CN", NOW)
        await uow.users.set_community(tid, community, NOW)
        await uow.users.grant_role(tid, role, NOW, community_id=community)
    return uow


async def _user(uow: FakeUnitOfWork, tid: int) -> User:
    user = await uow.users.get(tid)
    assert user is not None
    return user


async def test_one_changeable_vote_per_resident_of_the_community_only() -> None:
    uow = await _city()
    round_id = await votes.open_round(uow, STAFF_A, "微实事", NOW + timedelta(days=7), 1, DRAFTS, NOW)
    first, second, _ = await uow.votes.projects(round_id)
    await votes.cast(uow, await _user(uow, RESIDENT_A), round_id, first.id, NOW)
    await votes.cast(uow, await _user(uow, RESIDENT_A), round_id, second.id, NOW)
    assert await uow.votes.online_counts(round_id) == {second.id: 1}
    for outsider in (RESIDENT_B, PROVIDER_A, STAFF_A):  # another community; not residents
        with pytest.raises(NotAllowed):
            await votes.cast(uow, await _user(uow, outsider), round_id, first.id, NOW)
    with pytest.raises(NotAllowed):  # a project of no such round
        await votes.cast(uow, await _user(uow, RESIDENT_A), round_id, 999, NOW)
    with pytest.raises(votes.Closed):
        await votes.cast(uow, await _user(uow, RESIDENT_A), round_id, first.id, NOW + timedelta(days=8))


async def test_only_staff_of_the_community_open_add_paper_and_close() -> None:
    uow = await _city()
    for outsider in (RESIDENT_A, PROVIDER_A):
        with pytest.raises(NotAllowed):
            await votes.open_round(uow, outsider, "微实事", NOW + timedelta(days=7), 1, DRAFTS, NOW)
    with pytest.raises(votes.BadInput):
        await votes.open_round(uow, STAFF_A, "微实事", NOW + timedelta(days=7), 3, DRAFTS, NOW)  # all would win
    with pytest.raises(votes.BadInput):
        await votes.open_round(uow, STAFF_A, "微实事", NOW + timedelta(days=7), 1, DRAFTS[:1], NOW)
    round_id = await votes.open_round(uow, STAFF_A, "微实事", NOW + timedelta(days=7), 1, DRAFTS, NOW)
    projects = await uow.votes.projects(round_id)
    with pytest.raises(NotAllowed):
        await votes.add_paper(uow, STAFF_B, round_id, projects[0].id, 10, "投票箱", NOW)
    with pytest.raises(NotAllowed):
        await votes.end_voting_early(uow, STAFF_B, round_id, NOW)
    await votes.cast(uow, await _user(uow, RESIDENT_A), round_id, projects[0].id, NOW)
    with pytest.raises(votes.Closed):  # voting ends before the result can be published
        await votes.publish_now(uow, STAFF_A, round_id, NOW)
    assert await votes.end_voting_early(uow, STAFF_A, round_id, NOW) is not None
    assert await votes.end_voting_early(uow, STAFF_A, round_id, NOW) is None  # once only
    with pytest.raises(votes.Closed):
        await votes.cast(uow, await _user(uow, RESIDENT_A), round_id, projects[1].id, NOW)
    await votes.add_paper(uow, STAFF_A, round_id, projects[2].id, 10, "投票箱", NOW)  # the boxes come in after
    with pytest.raises(NotAllowed):
        await votes.publish_now(uow, STAFF_B, round_id, NOW)
    results = await votes.publish_now(uow, STAFF_A, round_id, NOW)
    assert results is not None and [(r.project.title, r.online, r.paper, r.won) for r in results.tallies] == [
        ("长者助餐", 0, 10, True), ("楼道照明", 1, 0, False), ("四点半课堂", 0, 0, False),
    ]  # fmt: skip
    with pytest.raises(votes.Closed):  # published once only
        await votes.publish_now(uow, STAFF_A, round_id, NOW)
    with pytest.raises(votes.Closed):
        await votes.add_paper(uow, STAFF_A, round_id, projects[0].id, 10, "迟到的票", NOW)


async def test_rounds_close_when_their_time_comes() -> None:
    uow = await _city()
    round_id = await votes.open_round(uow, STAFF_A, "微实事", NOW + timedelta(days=1), 1, DRAFTS, NOW)
    assert await votes.close_due(uow, NOW) == votes.Due([], [])
    due = await votes.close_due(uow, NOW + timedelta(days=1))
    assert [r.status for r in due.ended] == ["counting"] and due.published == []
    assert await votes.close_due(uow, NOW + timedelta(days=3)) == votes.Due([], [])  # staff still have time
    (published,) = (await votes.close_due(uow, NOW + timedelta(days=4))).published
    assert published.round.id == round_id and published.round.status == "closed"
    assert await votes.close_due(uow, NOW + timedelta(days=5)) == votes.Due([], [])


async def test_a_tie_at_the_last_funded_place_is_flagged_and_ballots_are_forgotten_at_closing() -> None:
    uow = await _city()
    round_id = await votes.open_round(uow, STAFF_A, "微实事", NOW + timedelta(days=7), 1, DRAFTS, NOW)
    first, second, _ = await uow.votes.projects(round_id)
    await votes.cast(uow, await _user(uow, RESIDENT_A), round_id, first.id, NOW)
    await votes.add_paper(uow, STAFF_A, round_id, second.id, 1, "投票箱", NOW)
    await votes.end_voting_early(uow, STAFF_A, round_id, NOW)
    results = await votes.publish_now(uow, STAFF_A, round_id, NOW)
    assert results is not None and results.tied
    assert [r.won for r in results.tallies] == [True, True, False]
    assert results.voters == [(RESIDENT_A, "zh_CN")]  # told the result…
    assert await uow.votes.vote_of(round_id, RESIDENT_A) is None  # …but what they chose is not kept


async def test_the_last_paper_batch_can_be_taken_back_until_the_result_is_published() -> None:
    uow = await _city()
    round_id = await votes.open_round(uow, STAFF_A, "微实事", NOW + timedelta(days=7), 1, DRAFTS, NOW)
    first, second, _ = await uow.votes.projects(round_id)
    assert await votes.void_last_paper(uow, STAFF_A, round_id, NOW) is None  # nothing to take back
    await votes.add_paper(uow, STAFF_A, round_id, first.id, 3, "一号箱", NOW)
    await votes.add_paper(uow, STAFF_A, round_id, second.id, 4, "投错了", NOW)
    with pytest.raises(NotAllowed):
        await votes.void_last_paper(uow, STAFF_B, round_id, NOW)
    voided = await votes.void_last_paper(uow, STAFF_A, round_id, NOW)
    assert voided is not None and (voided[0].id, voided[1], voided[2]) == (second.id, 4, "投错了")
    assert await uow.votes.paper_counts(round_id) == {first.id: 3}
    await votes.end_voting_early(uow, STAFF_A, round_id, NOW)
    await votes.publish_now(uow, STAFF_A, round_id, NOW)
    with pytest.raises(votes.Closed):
        await votes.void_last_paper(uow, STAFF_A, round_id, NOW)
