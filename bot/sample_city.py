"""A small sample city for `sanshe demo` and the tests: a few communities with their staff and workers.

Ids of simulated people are fixed so that the demo script and the tests can talk about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.catalog import parse_catalog
from core.catalog_sync import import_entries
from core.people import register_provider
from storage.protocols import UnitOfWork

COMMUNITIES: tuple[tuple[str, str], ...] = (
    ("阳光社区", "雨花区"),
    ("桂花社区", "雨花区"),
    ("东塘社区", "雨花区"),
    ("望月湖社区", "岳麓区"),
    ("雨花亭社区", "雨花区"),
    ("枫林社区", "岳麓区"),
)


@dataclass(frozen=True)
class Person:
    telegram_id: int
    name: str
    role: str
    community: str


STAFF = Person(900001, "刘主任", "staff", "阳光社区")
SOCIAL_WORKER = Person(900002, "陈社工", "social_worker", "阳光社区")
VOLUNTEER = Person(900003, "小李", "volunteer", "阳光社区")
PEOPLE = (STAFF, SOCIAL_WORKER, VOLUNTEER)


SAMPLE_CATALOG = Path(__file__).parent / "data" / "sample_catalog.csv"


async def seed(uow: UnitOfWork, now: datetime, locale: str = "zh_CN") -> None:
    """Idempotent: running it twice leaves the same city (its catalogue: bot/data/sample_catalog.csv)."""
    ids: dict[str, int] = {}
    for name, district in COMMUNITIES:
        community = await uow.communities.add(name, now, district=district)
        ids[name] = community.id
    for person in PEOPLE:
        await uow.users.create(person.telegram_id, locale, now)
        await uow.users.grant_role(person.telegram_id, person.role, now, community_id=ids[person.community])
    catalogue = parse_catalog(SAMPLE_CATALOG)
    if not catalogue.ok:  # a broken sample is a bug in this repository, not a user error
        raise ValueError(f"sample catalogue is invalid: {catalogue.errors[:3]}")
    await import_entries(uow, catalogue.entries, now)


async def seed_providers(uow: UnitOfWork, now: datetime, locale: str = "zh_CN") -> None:
    """The demo's providers: 陈社工 and the volunteer 小李 she supervises, both for plumbing in 阳光社区."""
    organization = "阳光社工服务中心"
    await register_provider(
        uow, SOCIAL_WORKER.telegram_id, "social_worker", name=SOCIAL_WORKER.name, organization=organization,
        service_ids=["S020", "S021", "S005"], communities=[SOCIAL_WORKER.community], supervisor_id=None,
        locale=locale, now=now,
    )  # fmt: skip
    await register_provider(
        uow, VOLUNTEER.telegram_id, "volunteer", name=VOLUNTEER.name, organization=organization,
        service_ids=["S020"], communities=[VOLUNTEER.community], supervisor_id=SOCIAL_WORKER.telegram_id,
        locale=locale, now=now,
    )  # fmt: skip
