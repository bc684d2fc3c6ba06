"""What a project is credited with, on both backends (`db_url`): the requests and hours of the organisation a task
was taken on for (not the worker's organisation today), and only hours that count (a volunteer's once confirmed);
the capacity record of an organisation is chosen in SQL by the organisation each offer was made for."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.sample_city import seed
from core import calls, capacity, projects
from core.people import register_provider, register_street_office
from core.requests import Status, move, open_request
from storage.db import Database
from storage.protocols import UnitOfWork
from storage.records import NewRequest, utc_now

TZ = ZoneInfo("Asia/Shanghai")
CHEN, VOLUNTEER, OFFICE, RESIDENT = 930001, 930002, 930003, 987680001
ORG, OTHER_ORG = "阳光社工服务中心", "别家机构"


async def _city(tx: UnitOfWork) -> tuple[int, int]:
    """陈社工 of ORG; a fund and a project of ORG over 阳光社区. Returns (project id, organisation id)."""
    now = utc_now()
    await seed(tx, now)
    await tx.users.create(RESIDENT, "zh_CN", now)
    for person, kind in ((CHEN, "social_worker"), (VOLUNTEER, "volunteer")):
        volunteer = kind == "volunteer"
        await register_provider(tx, person, kind, name=f"人{person}", organization=None if volunteer else ORG,
                                service_ids=["S020"], communities=["阳光社区"],
                                supervisor_id=CHEN if volunteer else None, locale="zh_CN", now=now)  # fmt: skip
    await register_street_office(tx, OFFICE, ["阳光社区"], "zh_CN", now)
    sun = await tx.communities.by_name("阳光社区")
    assert sun is not None
    organization = await tx.catalog.ensure_organization(ORG, now)
    fund = await projects.create_fund(tx, OFFICE, "资金", "street", 1_000_000, now)
    project = await tx.projects.create(fund, "助餐", "purchase", 500_000, organization, [sun.id],
                                       now - timedelta(days=1), now + timedelta(days=365), OFFICE, now)  # fmt: skip
    assert project is not None
    return project, organization


async def _done_by(tx: UnitOfWork, provider: int) -> int:
    """A request offered to, taken by and finished by `provider` (the real storage path: offer, claim, done)."""
    now = utc_now()
    sun = await tx.communities.by_name("阳光社区")
    assert sun is not None
    change = await open_request(tx, NewRequest(RESIDENT, sun.id, None, "修水管"), "阳光社区", now, TZ)
    request = (await move(tx, change.request, Status.DISPATCHED, now)).request
    await tx.providers.add_offer(request.id, provider, None, now)
    assert await tx.providers.claim(request.id, provider, now)
    assert await tx.providers.answer_offer(request.id, provider, "accepted", now)
    for status in (Status.ACCEPTED, Status.DONE):
        request = (await move(tx, request, status, now, actor_id=provider)).request
    return request.id


async def _set_organization(tx: UnitOfWork, provider: int, name: str) -> None:
    organization = await tx.catalog.ensure_organization(name, utc_now())
    await tx.conn.execute(  # type: ignore[attr-defined]
        "UPDATE providers SET organization_id = ? WHERE telegram_id = ?", (organization, provider)
    )


async def test_credit_stays_with_the_organisation_the_task_was_taken_for(db_url: str) -> None:
    db = await Database.open(db_url)
    try:
        async with db.transaction() as tx:
            project, organization = await _city(tx)
            before = await _done_by(tx, CHEN)
            await tx.hours.add_entry(CHEN, before, 90, "reported", None, "social_worker", utc_now(), CHEN, utc_now())
            await _set_organization(tx, CHEN, OTHER_ORG)  # 陈社工 moves to another organisation mid-year
            after = await _done_by(tx, CHEN)  # … and does a task for it
            await tx.hours.add_entry(CHEN, after, 30, "reported", None, "social_worker", utc_now(), CHEN, utc_now())
        async with db.transaction() as tx:
            delivered = [d.request_id for d in await tx.projects.delivered(project, organization)]
            assert delivered == [before]  # the old task stays ORG's, the new one is not ORG's
            now = utc_now() + timedelta(seconds=1)  # the period ends after the hours were given
            assert await tx.projects.organization_minutes(organization, now - timedelta(days=1), now) == 90
            other = await tx.catalog.ensure_organization(OTHER_ORG, now)
            assert await tx.projects.organization_minutes(other, now - timedelta(days=1), now) == 30
            mine = await capacity.assess(tx, organization, now)
            theirs = await capacity.assess(tx, other, now)
            assert (mine.offers, mine.accepted, mine.past_delivered) == (1, 1, 1)
            assert (theirs.offers, theirs.accepted, theirs.past_delivered) == (1, 1, 0)
    finally:
        await db.close()


async def test_a_volunteers_hours_count_for_a_project_only_once_confirmed(db_url: str) -> None:
    db = await Database.open(db_url)
    try:
        async with db.transaction() as tx:
            await _city(tx)
            task = await _done_by(tx, CHEN)
            await tx.hours.add_entry(CHEN, task, 60, "reported", None, "social_worker", utc_now(), CHEN, utc_now())
            entry = await tx.hours.add_entry(VOLUNTEER, task, 45, "reported", None, "volunteer", utc_now(), VOLUNTEER,
                                             utc_now())  # fmt: skip
            assert await tx.projects.minutes_for_requests([task]) == 60  # pending: not counted
            await tx.hours.add_review(task, VOLUNTEER, entry, "confirmed", CHEN, utc_now())
            assert await tx.projects.minutes_for_requests([task]) == 105
            await tx.hours.add_review(task, VOLUNTEER, None, "flagged", CHEN, utc_now())  # 有问题 on the whole task
            assert await tx.projects.minutes_for_requests([task]) == 60
            # A correction needs confirming again: the confirmation of the old figure does not cover it.
            second = await tx.hours.add_entry(VOLUNTEER, task, 30, "correction", entry, "volunteer", utc_now(),
                                              VOLUNTEER, utc_now())  # fmt: skip
            assert await tx.projects.minutes_for_requests([task]) == 60
            await tx.hours.add_review(task, VOLUNTEER, second, "confirmed", CHEN, utc_now())
            assert await tx.projects.minutes_for_requests([task]) == 90
    finally:
        await db.close()


async def test_an_application_changed_since_the_office_read_it_is_not_awarded(db_url: str) -> None:
    """And no award before the deadline; a refused award leaves no project behind."""
    db = await Database.open(db_url)
    try:
        now = utc_now()
        async with db.transaction() as tx:
            project, _ = await _city(tx)
            fund = (await tx.projects.get(project)).fund_id  # type: ignore[union-attr]
            call = await calls.open_call(tx, OFFICE, fund, "purchase", "助餐", 1_000_000, now + timedelta(days=1), now)
            sun = await tx.communities.by_name("阳光社区")
            assert sun is not None
            draft = calls.Draft("送餐", 500_000, (sun.id,))
            application = await calls.apply(tx, CHEN, call, draft, "chat", now)
            seen = (await tx.calls.application(application)).submitted_at  # type: ignore[union-attr]
            again = await calls.apply(
                tx, CHEN, call, calls.Draft("改了", 900_000, (sun.id,)), "chat", now + timedelta(seconds=5)
            )
            assert again == application  # the same row, new content
        async with db.transaction() as tx:
            try:
                await calls.award(tx, OFFICE, application, "方案好", now, seen)
            except calls.CallError as refused:
                assert refused.key == "call.award_after_deadline"
            else:
                raise AssertionError("awarded before the deadline")
        later = now + timedelta(days=2)
        async with db.transaction() as tx:
            try:
                await calls.award(tx, OFFICE, application, "方案好", later, seen)
            except calls.CallError as refused:
                assert refused.key == "call.application_changed"
            else:
                raise AssertionError("awarded content the office never saw")
            assert len(await tx.projects.all()) == 1 and (await tx.calls.get(call)).status == "open"  # type: ignore[union-attr]
            fresh = (await tx.calls.application(application)).submitted_at  # type: ignore[union-attr]
            _, winner, made = await calls.award(tx, OFFICE, application, "方案好", later, fresh)
            assert (winner.budget_fen, made.budget_fen) == (900_000, 900_000)
            assert (await tx.calls.get(call)).project_id == made.id  # type: ignore[union-attr]
    finally:
        await db.close()
