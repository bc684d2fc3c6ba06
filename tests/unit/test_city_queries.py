"""The queries rewritten for a city's year of data (issue 13, bench/city.py) answer exactly as before, and pruning
deletes only what is done with; on SQLite and PostgreSQL (`db_url`)."""

from __future__ import annotations

from datetime import timedelta

from bot.periodic import prune
from bot.sample_city import seed
from core import broadcast
from core.needs_book import OPEN, open_groups, open_needs
from core.people import register_provider, register_staff
from storage.db import Database
from storage.records import HistoryEntry, NewRequest, utc_now
from storage.session import Session

NOW = utc_now().replace(microsecond=0)
OLD = NOW - timedelta(days=40)
KEEP = timedelta(days=30)


async def _resident(tx: Session, telegram_id: int, community_id: int, *, building: str | None = None) -> None:
    await tx.users.create(telegram_id, "zh_CN", NOW)
    await tx.users.set_consent(telegram_id, NOW, NOW)
    await tx.users.set_community(telegram_id, community_id, NOW)
    await tx.users.grant_role(telegram_id, "resident", NOW)
    if building is not None:
        await tx.users.set_building(telegram_id, building, NOW)


async def _request(tx: Session, resident: int, community_id: int, reference: str, service: str | None = "S001") -> int:
    record = await tx.requests.add(NewRequest(resident, community_id, service, "需要帮忙"), reference, "submitted", NOW)
    return record.id


async def test_count_references_counts_exactly_the_prefix(db_url: str) -> None:
    db = await Database.open(db_url)
    async with db.transaction() as tx:
        await seed(tx, NOW)
        sunshine = await tx.communities.by_name("阳光社区")
        assert sunshine is not None
        await _resident(tx, 1, sunshine.id)
        references = ("YG-2611-0001", "YG-2611-0002", "YG-2612-0001", "YGH-2611-0001", "YG-261-0001", "Y-2611-0001")
        for reference in references:
            await _request(tx, 1, sunshine.id, reference)
        counts = [await tx.requests.count_references(p) for p in ("YG-2611-", "YG-2612-", "YG-2610-", "YG-26", "Y")]
    await db.close()
    assert counts == [2, 1, 0, 4, 6]


async def test_audience_residents_and_providers_each_once(db_url: str) -> None:
    db = await Database.open(db_url)
    async with db.transaction() as tx:
        await seed(tx, NOW)
        sunshine, osmanthus = await tx.communities.by_name("阳光社区"), await tx.communities.by_name("桂花社区")
        assert sunshine is not None and osmanthus is not None
        await _resident(tx, 11, sunshine.id, building="3栋")
        await _resident(tx, 12, sunshine.id)
        await _resident(tx, 13, sunshine.id)
        await tx.broadcasts.set_muted(13, True)  # muted: no announcements
        await _resident(tx, 14, sunshine.id)
        await tx.users.set_blocked(14, NOW, NOW)  # blocked the bot
        await _resident(tx, 15, osmanthus.id)  # another community
        await register_provider(
            tx, 21, "social_worker", name="社工甲", organization=None, service_ids=["S001"], communities=["阳光社区"],
            supervisor_id=None, locale="zh_CN", now=NOW,
        )  # fmt: skip
        await _resident(tx, 21, sunshine.id)  # a provider who also lives here
        await register_provider(
            tx, 22, "org_member", name="机构乙", organization="阳光社工服务中心", service_ids=["S001"],
            communities=["桂花社区"], supervisor_id=None, locale="en", now=NOW,
        )  # fmt: skip
        residents = await tx.broadcasts.recipients(sunshine.id, "residents")
        building = await tx.broadcasts.recipients(sunshine.id, "residents", "3栋")
        providers = await tx.broadcasts.recipients(sunshine.id, "providers")
        both = await tx.broadcasts.recipients(sunshine.id, "both")
        other_providers = await tx.broadcasts.recipients(osmanthus.id, "providers")
        sizes = await broadcast.audience_sizes(tx, sunshine.id)
    await db.close()
    assert [chat for chat, _ in residents] == [11, 12, 21]
    assert [chat for chat, _ in building] == [11]
    assert [chat for chat, _ in providers] == [21]
    assert [chat for chat, _ in both] == [11, 12, 21]
    assert other_providers == [(22, "en")]
    assert sizes == {"residents": 3, "providers": 1, "both": 3}


async def test_need_counts_agree_with_the_needs_book(db_url: str) -> None:
    db = await Database.open(db_url)
    async with db.transaction() as tx:
        await seed(tx, NOW)
        sunshine = await tx.communities.by_name("阳光社区")
        assert sunshine is not None
        await _resident(tx, 1, sunshine.id)
        cases = [("S001", "submitted", 3), ("S001", "dispatched", 1), ("S020", "accepted", 2), (None, "unmatched", 5),
                 ("S001", "done", 9), ("S020", "cancelled", 4), ("S001", "escalated", 400)]  # fmt: skip
        for number, (service, status, days_ago) in enumerate(cases):
            request_id = await _request(tx, 1, sunshine.id, f"YG-2611-{number:04d}", service)
            await tx.requests.set_status(request_id, status, NOW)
            born = NOW - timedelta(days=days_ago)  # history's first entry is the birth, not created_at
            await tx.requests.add_history(HistoryEntry(request_id, born, 1, None, "submitted"))
        since, until = NOW - timedelta(days=365), NOW + timedelta(seconds=1)
        counted = open_groups(await tx.reports.need_counts(sunshine.id, sorted(OPEN), since, until), NOW)
        loaded = open_needs(await tx.reports.needs(sunshine.id, since, until), NOW)
    await db.close()
    assert counted == loaded
    assert [(g.category, g.count, g.oldest_wait.days) for g in counted] == [
        ("elderly", 2, 3), ("housekeeping", 1, 2), ("unmatched", 1, 5)
    ]  # fmt: skip


async def test_with_staff_and_offer_facts_of_one_provider(db_url: str) -> None:
    db = await Database.open(db_url)
    async with db.transaction() as tx:
        await seed(tx, NOW)  # staff of 阳光社区 only
        await register_staff(tx, 31, "桂花社区", "zh_CN", NOW)
        await register_staff(tx, 32, "东塘社区", "zh_CN", NOW)
        await tx.users.set_blocked(32, NOW, NOW)  # could not answer an ask
        staffed = [c.name for c in await tx.communities.with_staff()]
        sunshine = await tx.communities.by_name("阳光社区")
        assert sunshine is not None
        await _resident(tx, 1, sunshine.id)
        for provider in (41, 42):
            await register_provider(
                tx, provider, "social_worker", name=f"社工{provider}", organization=None, service_ids=["S001"],
                communities=["阳光社区"], supervisor_id=None, locale="zh_CN", now=NOW,
            )  # fmt: skip
        request_id = await _request(tx, 1, sunshine.id, "YG-2611-0001")
        for provider in (41, 42):
            await tx.providers.add_offer(request_id, provider, None, NOW)
        mine = await tx.providers.offer_facts(NOW - timedelta(days=1), NOW + timedelta(days=1), provider_id=42)
        everyone = await tx.providers.offer_facts(NOW - timedelta(days=1), NOW + timedelta(days=1), sunshine.id)
    await db.close()
    assert staffed == sorted(["阳光社区", "桂花社区"])
    assert [f.provider_id for f in mine] == [42]
    assert [f.provider_id for f in everyone] == [41, 42]


async def test_pruning_keeps_pending_recent_and_still_needed_rows(db_url: str) -> None:
    db = await Database.open(db_url)
    async with db.transaction() as tx:
        await seed(tx, NOW)
        sunshine = await tx.communities.by_name("阳光社区")
        assert sunshine is not None
        await _resident(tx, 1, sunshine.id)
        await register_provider(
            tx, 41, "social_worker", name="社工", organization=None, service_ids=["S001"], communities=["阳光社区"],
            supervisor_id=None, locale="zh_CN", now=NOW,
        )  # fmt: skip

        async def row(status: str, at: object = OLD) -> int:
            outbox_id = await tx.outbox.enqueue(1, f"消息 {status}", None, at)  # type: ignore[arg-type]
            if status == "sent":
                await tx.outbox.mark_sent(outbox_id, 7, NOW)
            elif status != "pending":
                await tx.outbox.give_up(outbox_id, status, "gone")
            return outbox_id

        sent, failed, blocked = await row("sent"), await row("failed"), await row("blocked")
        pending, recent = await row("pending"), await row("sent", NOW - timedelta(days=2))
        answered_push, open_push = await row("sent"), await row("sent")
        answered = await _request(tx, 1, sunshine.id, "YG-2611-0001")
        still_open = await _request(tx, 1, sunshine.id, "YG-2611-0002")
        await tx.providers.add_offer(answered, 41, answered_push, OLD)
        await tx.providers.answer_offer(answered, 41, "declined", OLD)
        await tx.providers.add_offer(still_open, 41, open_push, OLD)  # its push is edited when it closes
        broadcast_id = await tx.broadcasts.create(sunshine.id, 900001, "停水通知", "residents", 1, OLD)
        await tx.broadcasts.queue(broadcast_id, [1], "停水通知", OLD)
        (copy,) = [m.id for m in await tx.outbox.claim_due(NOW, 50, "test", NOW) if m.text == "停水通知"]
        await tx.outbox.mark_sent(copy, 8, NOW)  # still counted by the broadcast's progress: kept
        for update_id, at in ((1, OLD), (2, OLD), (3, NOW - timedelta(hours=1))):
            await tx.outbox.first_time_seen(update_id, at)

    async with db.transaction() as tx:
        first_batch = await tx.outbox.prune_sent(NOW - KEEP, 2)
    pruned = await prune(db, NOW, KEEP, timedelta(days=2), batch=1)

    async with db.transaction() as tx:
        rows = await tx.conn.execute("SELECT id FROM outbox ORDER BY id")
        left = {int(r[0]) for r in await rows.fetchall()}
        links = {o.request_id: o.outbox_id for r in (answered, still_open) for o in await tx.providers.offers(r)}
        seen_again = [await tx.outbox.first_time_seen(u, NOW) for u in (1, 2, 3)]
    await db.close()
    assert first_batch == 2  # a batch at a time
    assert (pruned.outbox, pruned.updates) == (2, 2)
    assert left == {pending, recent, open_push, copy}
    assert sent not in left and failed not in left and blocked not in left and answered_push not in left
    assert links == {answered: None, still_open: open_push}  # the answer stays, the link to the gone row not
    assert seen_again == [True, True, False]  # old update ids forgotten, the recent one still known
