"""Benchmark of the database paths a turn takes, on a year of a whole city's data against a small database.

    .venv/bin/python bench/city.py [--scale 1.0] [--path DIR] [--runs 15] [--database-url URL]

Builds (once; reused when present) a city database — 440 communities, 100k residents, 30k services, 200k
requests, 1.0M history rows, 3.65M outbox rows at --scale 1 — through the real migrations and bulk inserts of
plausible rows spread over a year, and a small one: a single community with the year of an average city
community (455 requests, 227 residents, 10 providers), the bot run for one neighbourhood. Both get ANALYZE, so
plans are the ones the planner picks once statistics exist (as on a server that has run for a while). Each
turn path (the repository and core calls one turn makes) runs --runs times inside a transaction that is then
rolled back, so writes do not pile up; the median is reported. Progress goes to stderr; the LAST stdout line
is one JSON object: per path {small_ms, city_ms, ratio, busiest_ms, pass}, and whether all pass.

In the city, each path runs for a typical community (the median by requests, a little quieter than the small
database's) — city_ms and ratio, so that the ratio shows what the rest of the city costs, not what a busier
neighbourhood does — and for the busiest (about 10x the average: community sizes follow 1/sqrt(rank)) —
busiest_ms.

Target (issue 13): every path ≤ 25 ms at city size (typical and busiest) and ≤ 3x its small-DB time.
Sub-millisecond paths are judged against a floor of FLOOR_MS for the ratio, since timer noise alone moves
them by more than 3x.

--database-url points the city database elsewhere (a postgresql:// URL once storage.db supports it); the data
is then built with the same portable SQL. --small-url likewise for the small one. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import broadcast, community_search, stats  # noqa: E402
from core.filing import file_request  # noqa: E402
from core.needs_book import OPEN, open_groups  # noqa: E402
from core.requests import community_code  # noqa: E402
from core.timeouts import TimeLimits, sweep  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.records import to_db_time  # noqa: E402
from storage.session import Session  # noqa: E402

TARGET_MS = 25.0
TARGET_RATIO = 3.0
FLOOR_MS = 0.5
TZ = ZoneInfo("Asia/Shanghai")
# Fixed, so that a cached database and a fresh one describe the same year.
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
BATCH = 20_000

DISTRICTS = ("芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区", "长沙县", "浏阳市", "宁乡市", "高新区")
NAME_CHARS = "阳光桂花东塘望月湖枫林雨亭西湖北山南门新村和平幸福长青金星银杉松竹梅兰红旗建设友谊团结文化"
CATEGORIES = ("elderly", "children", "disabled", "housekeeping", "health", "legal", "mental", "employment",
              "culture", "affairs", "emergency")  # fmt: skip
KINDS = ("social_worker", "volunteer", "org_member")
NEEDS = ("厨房下水道堵了，水下不去", "老人需要每天送午饭", "孩子放学后没人接", "想咨询一下劳动合同的问题",
         "家里灯坏了需要换", "行动不便，想找人陪同去医院复查", "需要上门理发", "心情不好想找人聊聊")  # fmt: skip


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Size:
    communities: int
    residents: int
    services: int
    requests: int
    outbox: int
    updates: int
    providers_per_community: int = 10
    staff_per_community: int = 2


def city_size(scale: float) -> Size:
    def n(base: int) -> int:
        return max(1, round(base * scale))

    return Size(n(440), n(100_000), n(30_000), n(200_000), n(3_650_000), n(1_000_000))


# One community with an average city community's year (the city at --scale 1 divided by its 440 communities).
SMALL = Size(1, 227, 68, 455, 8_300, 2_300)


@dataclass
class City:
    """Ids the timed paths use: one community and its busiest people, found by query after building."""

    community_id: int = 0
    community_name: str = ""
    resident_id: int = 0
    provider_id: int = 0
    service_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# --- building -------------------------------------------------------------------------------------------------


def _t(value: datetime) -> str:
    stamp = to_db_time(value)
    assert stamp is not None
    return stamp


async def _bulk(db: Database, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Big transactions, short enough that memory stays bounded."""
    for start in range(0, len(rows), BATCH * 5):
        async with db.transaction() as tx:
            await tx.conn.executemany(sql, rows[start : start + BATCH * 5])


def _community_names(rng: random.Random, count: int) -> list[str]:
    names: set[str] = set()
    pairs = [a + b for a in NAME_CHARS for b in NAME_CHARS if a != b]
    rng.shuffle(pairs)
    for pair in pairs:
        names.add(pair + "社区")
        if len(names) == count:
            break
    index = 0
    while len(names) < count:  # beyond the pairs (not at any --scale ≤ 3): numbered
        names.add(f"{pairs[index % len(pairs)]}{index}社区")
        index += 1
    return sorted(sorted(names), key=lambda n: rng.random())  # sorted first: set order varies between runs


async def build(db: Database, size: Size, seed: int = 13) -> None:
    rng = random.Random(seed)
    started = time.perf_counter()
    stamp = _t(NOW - YEAR - timedelta(days=30))

    def when(back: timedelta = YEAR) -> datetime:
        return NOW - timedelta(seconds=rng.random() * back.total_seconds())

    # Communities: a few big ones, a long tail (weights ~ 1/sqrt(rank)); community 1 is the busiest.
    names = _community_names(rng, size.communities)
    communities = [(i + 1, names[i], DISTRICTS[i % len(DISTRICTS)], stamp) for i in range(size.communities)]
    await _bulk(db, "INSERT INTO communities (id, name, district, created_at) VALUES (?, ?, ?, ?)", communities)
    weights = [1 / (rank + 1) ** 0.5 for rank in range(size.communities)]
    community_ids = [c[0] for c in communities]

    organizations = [(i + 1, f"服务机构{i + 1:03d}", stamp) for i in range(max(1, size.communities // 2))]
    await _bulk(db, "INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)", organizations)

    # Services: mostly one community's own, a few city-wide (no service_communities row).
    services, service_communities, service_categories = [], [], []
    by_community: dict[int, list[str]] = {cid: [] for cid in community_ids}
    citywide = max(1, size.services // 300)
    for i in range(size.services):
        sid = f"S{i + 1:05d}"
        category = CATEGORIES[i % len(CATEGORIES)]
        services.append((sid, f"服务{i + 1}", category, "上门服务", '["上门"]', rng.choice(organizations)[0],
                         stamp, stamp))  # fmt: skip
        service_categories.append((sid, category, 0))
        if i < citywide:
            for cid in community_ids:
                by_community[cid].append(sid)
        else:
            cid = community_ids[i % len(community_ids)]
            service_communities.append((sid, cid))
            by_community[cid].append(sid)
    await _bulk(db, "INSERT INTO services (service_id, name, category, description, keywords, organization_id, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", services)  # fmt: skip
    await _bulk(db, "INSERT INTO service_communities (service_id, community_id) VALUES (?, ?)", service_communities)
    await _bulk(db, "INSERT INTO service_categories (service_id, category, position) VALUES (?, ?, ?)",
                service_categories)  # fmt: skip
    log(f"  catalogue {time.perf_counter() - started:.0f}s")

    # People: residents, staff and providers are all users.
    users, roles = [], []
    residents_of: dict[int, list[int]] = {cid: [] for cid in community_ids}
    homes = rng.choices(community_ids, weights, k=size.residents)
    for i, cid in enumerate(homes):
        uid = 10_000_000 + i
        joined = _t(when())
        blocked = joined if rng.random() < 0.03 else None
        building = f"{rng.randint(1, 30)}栋" if rng.random() < 0.3 else None
        users.append((uid, "zh_CN" if rng.random() < 0.95 else "en", cid, joined, blocked, joined, joined, building,
                      int(rng.random() < 0.02)))  # fmt: skip
        roles.append((uid, "resident", None, joined))
        residents_of[cid].append(uid)
    staff_rows, providers, provider_services, provider_communities = [], [], [], []
    providers_of: dict[int, list[int]] = {cid: [] for cid in community_ids}
    for n, cid in enumerate(community_ids):
        for k in range(size.staff_per_community):
            uid = 20_000_000 + n * 10 + k
            users.append((uid, "zh_CN", None, stamp, None, stamp, stamp, None, 0))
            staff_rows.append((uid, "staff", cid, stamp))
        for k in range(size.providers_per_community):
            uid = 30_000_000 + n * 100 + k
            kind = KINDS[k % len(KINDS)]
            users.append((uid, "zh_CN", None, stamp, None, stamp, stamp, None, 0))
            roles.append((uid, kind, cid, stamp))
            on_duty = int(rng.random() < 0.9)
            providers.append((uid, kind, f"服务者{n}-{k}", rng.choice(organizations)[0], on_duty, stamp))
            own = by_community[cid]
            for sid in rng.sample(own, min(len(own), 4)):
                provider_services.append((uid, sid))
            provider_communities.append((uid, cid))
            if size.communities > 1 and rng.random() < 0.2:
                other = rng.choice(community_ids)
                if other != cid:
                    provider_communities.append((uid, other))
            providers_of[cid].append(uid)
    await _bulk(db, "INSERT INTO users (telegram_id, locale, community_id, consent_at, blocked_at, created_at, "
                "updated_at, building, announcements_muted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", users)  # fmt: skip
    await _bulk(db, "INSERT INTO user_roles (telegram_id, role, community_id, granted_at) VALUES (?, ?, ?, ?)",
                roles + staff_rows)  # fmt: skip
    await _bulk(db, "INSERT INTO providers (telegram_id, kind, display_name, organization_id, on_duty, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)", providers)  # fmt: skip
    await _bulk(db, "INSERT INTO provider_services (telegram_id, service_id) VALUES (?, ?)", provider_services)
    await _bulk(db, "INSERT INTO provider_communities (telegram_id, community_id) VALUES (?, ?)",
                provider_communities)  # fmt: skip
    del users, roles
    log(f"  people {time.perf_counter() - started:.0f}s")

    # Requests over the year, their history (~5 entries each) and offers (~2.5 each).
    requests, history, offers = [], [], []
    counters: dict[str, int] = {}
    code_of = {cid: community_code(name) for cid, name, _, _ in communities}
    offer_id = 0
    # Ids grow with time, as rows are written in a running bot: old rows sit together (pruning, locality).
    request_times = sorted(when() for _ in range(size.requests))
    for i in range(size.requests):
        rid = i + 1
        cid = rng.choices(community_ids, weights)[0] if size.communities > 1 else community_ids[0]
        resident = rng.choice(residents_of[cid]) if residents_of[cid] else 10_000_000
        created = request_times[i]
        prefix = f"{code_of[cid]}-{created.astimezone(TZ):%y%m}-"
        counters[prefix] = counters.get(prefix, 0) + 1
        reference = f"{prefix}{counters[prefix]:04d}"
        age = NOW - created
        matched = rng.random() < 0.9 and by_community[cid]
        sid = rng.choice(by_community[cid]) if matched else None
        if sid is None:
            status = "unmatched" if age < timedelta(days=3) else rng.choice(("done", "cancelled"))
        elif age < timedelta(minutes=8):
            status = "dispatched"
        elif age < timedelta(days=2):
            status = rng.choice(("accepted", "in_progress", "done", "rated", "escalated"))
        else:
            status = rng.choices(("rated", "done", "cancelled", "expired"), (5, 3, 1, 1))[0]
        path = {"unmatched": ["submitted", "unmatched"], "dispatched": ["submitted", "dispatched"],
                "accepted": ["submitted", "dispatched", "accepted"],
                "in_progress": ["submitted", "dispatched", "accepted", "in_progress"],
                "done": ["submitted", "dispatched", "accepted", "in_progress", "done"],
                "rated": ["submitted", "dispatched", "accepted", "in_progress", "done", "rated"],
                "escalated": ["submitted", "dispatched", "escalated"],
                "cancelled": ["submitted", "dispatched", "cancelled"],
                "expired": ["submitted", "dispatched", "expired"]}[status]  # fmt: skip
        if sid is None:
            ending = {"done": ["done"], "cancelled": ["cancelled"]}.get(status, [])
            path = ["submitted", "unmatched", *ending]
        at = created
        stamps = []
        for step, to_status in enumerate(path):
            stamps.append(at)
            history.append((rid, _t(at), resident if step == 0 else None, path[step - 1] if step else None, to_status,
                            None))  # fmt: skip
            at += timedelta(minutes=rng.randint(1, 600))
        has_provider = status in ("accepted", "in_progress", "done", "rated") and sid is not None
        pool = providers_of[cid]
        provider = rng.choice(pool) if has_provider and pool else None
        updated = stamps[-1]
        reminded = _t(updated) if status in ("accepted", "in_progress") and age > timedelta(hours=20) else None
        when_code = "asap" if rng.random() < 0.5 else "today"
        rating = rng.randint(3, 5) if status == "rated" else None
        address = f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}0{rng.randint(1, 4)}"
        requests.append((rid, reference, resident, cid, sid, rng.choice(NEEDS), when_code, status, provider, rating,
                         _t(created), _t(updated), reminded, address))  # fmt: skip
        if sid is not None and "dispatched" in path and pool:
            offered = stamps[1]
            asked = rng.sample(pool, min(len(pool), 3))
            if provider is not None and provider not in asked:
                asked[0] = provider
            for p in asked:
                offer_id += 1
                if status == "dispatched":
                    answer, answered = None, None
                elif p == provider:
                    answer, answered = "accepted", _t(offered + timedelta(minutes=rng.randint(1, 25)))
                else:
                    answer = rng.choice(("declined", "taken", "expired", "withdrawn"))
                    answered = _t(offered + timedelta(minutes=rng.randint(1, 40)))
                offers.append((offer_id, rid, p, _t(offered), answer, answered))
    await _bulk(db, "INSERT INTO requests (id, reference, resident_id, community_id, service_id, need_text, when_code, "
                "status, provider_id, rating, created_at, updated_at, reminded_at, address) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", requests)  # fmt: skip
    await _bulk(db, "INSERT INTO request_history (request_id, at, actor_id, from_status, to_status, note) "
                "VALUES (?, ?, ?, ?, ?, ?)", history)  # fmt: skip
    await _bulk(db, "INSERT INTO offers (id, request_id, provider_id, offered_at, answer, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?)", offers)  # fmt: skip
    log(f"  {len(requests)} requests, {len(history)} history, {len(offers)} offers")
    del requests, history, offers

    # The outbox of a year: nearly all sent, some refused or blocked, a handful still waiting.
    chats = [c for cid in community_ids for c in residents_of[cid][:50]] or [10_000_000]
    rows: list[tuple[Any, ...]] = []
    outbox_times = sorted(when() for _ in range(size.outbox))
    for i in range(size.outbox):
        created = outbox_times[i]
        recent = i >= size.outbox - 20
        status = "pending" if recent else rng.choices(("sent", "failed", "blocked"), (97, 1, 2))[0]
        if recent:
            created = NOW - timedelta(seconds=rng.randint(0, 60))
        sent = _t(created + timedelta(seconds=rng.randint(0, 5))) if status == "sent" else None
        rows.append((rng.choice(chats), "您的需求已受理，编号 WYH-2611-0042。服务者会尽快联系您。", status, _t(created),
                     _t(created), sent, rng.randint(1, 10**6) if sent else None))  # fmt: skip
        if len(rows) == BATCH * 5:
            await _bulk(db, "INSERT INTO outbox (chat_id, text, status, not_before, created_at, sent_at, message_id) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)  # fmt: skip
            rows = []
    if rows:
        await _bulk(db, "INSERT INTO outbox (chat_id, text, status, not_before, created_at, sent_at, message_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)  # fmt: skip
    log(f"  outbox {time.perf_counter() - started:.0f}s")
    updates = [(i + 1, _t(NOW - YEAR + YEAR * (i / size.updates))) for i in range(size.updates)]
    await _bulk(db, "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?)", updates)
    async with db.transaction() as tx:
        if db.dialect == "postgresql":  # rows were given their ids: identity columns carry on after them
            for table in ("communities", "organizations", "requests", "offers"):
                await tx.conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
        await tx.conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                              (9999, "bench_city_built", _t(NOW)))  # fmt: skip
    log(f"  built in {time.perf_counter() - started:.0f}s")


async def analyze(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.conn.execute("ANALYZE")


async def is_built(db: Database) -> bool:
    async with (
        db.transaction() as tx,
        tx.conn.execute("SELECT COUNT(*) FROM schema_migrations WHERE version = 9999") as cursor,
    ):
        row = await cursor.fetchone()
    return bool(row and row[0])


async def find_city(db: Database, busiest: bool) -> City:
    """The busiest community by requests, or the median one, and in it the people the paths act as."""

    async def one(sql: str, params: Sequence[Any] = ()) -> Any:
        async with db.transaction() as tx, tx.conn.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        assert row is not None, sql
        return row

    city = City()
    async with (
        db.transaction() as tx,
        tx.conn.execute(
            "SELECT community_id FROM requests GROUP BY community_id ORDER BY COUNT(*), community_id"
        ) as cursor,
    ):
        by_size = [int(row[0]) for row in await cursor.fetchall()]
    city.community_id = by_size[-1] if busiest else by_size[len(by_size) // 2]
    city.community_name = str((await one("SELECT name FROM communities WHERE id = ?", (city.community_id,)))[0])
    row = await one("SELECT resident_id FROM requests WHERE community_id = ? GROUP BY resident_id "
                    "ORDER BY COUNT(*) DESC, 1 LIMIT 1", (city.community_id,))  # fmt: skip
    city.resident_id = int(row[0])
    row = await one("SELECT f.provider_id FROM offers f JOIN provider_communities c ON c.telegram_id = f.provider_id "
                    "AND c.community_id = ? GROUP BY f.provider_id ORDER BY COUNT(*) DESC, 1 LIMIT 1",
                    (city.community_id,))  # fmt: skip
    city.provider_id = int(row[0])
    # A service of the community that several on-duty providers offer: dispatch has candidates to rank.
    row = await one("SELECT s.service_id FROM provider_services s JOIN provider_communities c "
                    "ON c.telegram_id = s.telegram_id AND c.community_id = ? GROUP BY s.service_id "
                    "ORDER BY COUNT(*) DESC, 1 LIMIT 1", (city.community_id,))  # fmt: skip
    city.service_id = str(row[0])
    return city


# --- timed paths ----------------------------------------------------------------------------------------------

Path_ = Callable[[Session, City], Awaitable[object]]


async def submit_dispatch(tx: Session, city: City) -> object:
    user = await tx.users.get(city.resident_id)
    assert user is not None
    data = {"service_id": city.service_id, "need": "厨房下水道堵了", "when_code": "asap"}
    return await file_request(tx, user, data, NOW, TZ)


async def reference_count(tx: Session, city: City) -> object:
    prefix = f"{community_code(city.community_name)}-{NOW.astimezone(TZ):%y%m}-"
    return await tx.requests.count_references(prefix)


async def provider_stats(tx: Session, city: City) -> object:
    # What /stats does for a provider (handlers/stats.py).
    since = NOW - timedelta(days=30)
    facts = await tx.providers.offer_facts(since, NOW, provider_id=city.provider_id)
    return stats.by_provider(facts, timedelta(minutes=30))


async def staff_stats(tx: Session, city: City) -> object:
    since = NOW - timedelta(days=30)
    facts = await tx.providers.offer_facts(since, NOW, city.community_id)
    limit = timedelta(minutes=30)
    return stats.by_community(facts, limit), stats.by_organization(facts, limit, "-"), stats.by_provider(facts, limit)


async def needs(tx: Session, city: City) -> object:
    # What /needs does (handlers/needs.py).
    counts = await tx.reports.need_counts(
        city.community_id, sorted(OPEN), NOW - timedelta(days=365), NOW + timedelta(seconds=1)
    )
    return open_groups(counts, NOW)


async def needs_book(tx: Session, city: City) -> object:
    # The printed needs book of a month (/export needs): its rows, not a turn's reply.
    return await tx.reports.needs(city.community_id, NOW - timedelta(days=30), NOW + timedelta(seconds=1))


async def announce_preview(tx: Session, city: City) -> object:
    return await broadcast.audience_sizes(tx, city.community_id), await tx.broadcasts.buildings(city.community_id)


async def timer_tick(tx: Session, city: City) -> object:
    return await sweep(tx, NOW, TimeLimits())


async def with_role(tx: Session, city: City) -> object:
    return await tx.users.with_role("staff", city.community_id), await tx.users.with_role(
        "social_worker", city.community_id
    )


async def outbox_poll(tx: Session, city: City) -> object:
    return await tx.outbox.claim_due(NOW, 50, "bench", NOW + timedelta(seconds=30))


async def my_requests(tx: Session, city: City) -> object:
    return await tx.requests.of_resident(city.resident_id)


async def provider_tasks(tx: Session, city: City) -> object:
    return await tx.requests.open_tasks(city.provider_id)


async def staff_queue(tx: Session, city: City) -> object:
    return await tx.requests.in_community(city.community_id, ("unmatched", "escalated"))


async def register_communities(tx: Session, city: City) -> object:
    # "More communities" at a provider's registration, then a district: what handlers/registration.py reads.
    names = {c.id: c.name for c in await tx.communities.list_all()}
    askable = [c for c in await tx.communities.with_staff() if c.id != city.community_id]
    for district in community_search.districts(askable)[:1]:  # none in the small database: nobody else to ask
        return names, community_search.page_of(community_search.in_district(askable, district), 0, 8)
    return names, askable


async def turn_base(tx: Session, city: City) -> object:
    # What every turn reads: the person, their dialog, whether the update is new.
    return await tx.users.get(city.resident_id), await tx.dialogs.get(city.resident_id)


PATHS: dict[str, Path_] = {
    "turn_base": turn_base,
    "submit_dispatch": submit_dispatch,
    "reference_count": reference_count,
    "provider_stats": provider_stats,
    "staff_stats": staff_stats,
    "needs": needs,
    "needs_book_month": needs_book,
    "announce_preview": announce_preview,
    "timer_tick": timer_tick,
    "with_role": with_role,
    "outbox_poll": outbox_poll,
    "my_requests": my_requests,
    "provider_tasks": provider_tasks,
    "staff_queue": staff_queue,
    "register_communities": register_communities,
}


class _Rollback(Exception):
    pass


async def time_path(db: Database, city: City, path: Path_, runs: int) -> float:
    samples: list[float] = []
    for _ in range(runs + 1):  # the first run warms the page cache and the statement cache
        try:
            async with db.transaction() as tx:
                started = time.perf_counter()
                await path(tx, city)
                samples.append((time.perf_counter() - started) * 1000)
                raise _Rollback
        except _Rollback:
            pass
    return statistics.median(samples[1:])


async def prepared(url: str, size: Size, label: str) -> tuple[Database, City, City]:
    db = await Database.open(url)
    if not await is_built(db):
        log(f"building the {label} database at {url}")
        await build(db, size)
        await analyze(db)
    else:
        await analyze(db)  # migrations added since it was built may bring new indexes
    return db, await find_city(db, busiest=False), await find_city(db, busiest=True)


def verdict(small_ms: float, city_ms: float, busiest_ms: float) -> dict[str, Any]:
    ratio = city_ms / max(small_ms, FLOOR_MS)
    return {
        "small_ms": round(small_ms, 2),
        "city_ms": round(city_ms, 2),
        "ratio": round(city_ms / small_ms, 1) if small_ms else None,
        "busiest_ms": round(busiest_ms, 2),
        "pass": max(city_ms, busiest_ms) <= TARGET_MS and ratio <= TARGET_RATIO,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--path", type=Path, default=Path(tempfile.gettempdir()) / "sanshe-bench-city")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", default=None, help="the city database; default an SQLite file in --path")
    parser.add_argument("--small-url", default=None, help="the small database; default an SQLite file in --path")
    parser.add_argument("--only", nargs="*", default=None, help="time only these paths")
    args = parser.parse_args()
    city_url = args.database_url or f"sqlite:///{args.path / f'city-{args.scale:g}.db'}"
    small_url = args.small_url or f"sqlite:///{args.path / 'small.db'}"
    small_db, small_city, _ = await prepared(small_url, SMALL, "small")
    city_db, typical, busiest = await prepared(city_url, city_size(args.scale), "city")
    results: dict[str, Any] = {}
    try:
        for name, path in PATHS.items():
            if args.only and name not in args.only:
                continue
            small_ms = await time_path(small_db, small_city, path, args.runs)
            city_ms = await time_path(city_db, typical, path, args.runs)
            busiest_ms = await time_path(city_db, busiest, path, args.runs)
            results[name] = verdict(small_ms, city_ms, busiest_ms)
            log(f"{name:>22}: {json.dumps(results[name])}")
    finally:
        await small_db.close()
        await city_db.close()
    print(json.dumps({"scale": args.scale, "target_ms": TARGET_MS, "target_ratio": TARGET_RATIO,
                      "all_pass": all(r["pass"] for r in results.values()), "paths": results},
                     ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
