"""core.people's community borders on a real database (SQLite and PostgreSQL), below any button: an invite serves
only its own community, asks for others wait, only the asked community's staff decide, and pending asks bring no
task."""

from __future__ import annotations

import pytest

from bot.sample_city import seed
from core import people
from storage.db import Database
from storage.records import utc_now

SUNSHINE_STAFF, GUIHUA_STAFF, WORKER, NEWCOMER = 900001, 900099, 910077, 920001


async def _city(db_url: str) -> tuple[Database, dict[str, int]]:
    db = await Database.open(db_url)
    async with db.transaction() as tx:
        await seed(tx, utc_now())
        await people.register_staff(tx, GUIHUA_STAFF, "桂花社区", "zh_CN", utc_now())
        await people.register_provider(
            tx, WORKER, "social_worker", name="桂社工", organization=None, service_ids=["S020"],
            communities=["桂花社区"], supervisor_id=None, locale="zh_CN", now=utc_now(),
        )  # fmt: skip
        ids = {c.name: c.id for c in await tx.communities.list_all()}
    return db, ids


async def test_an_invite_serves_its_own_community_and_only_asks_for_others(db_url: str) -> None:
    db, ids = await _city(db_url)
    now = utc_now()
    async with db.transaction() as tx:
        invite = await people.create_invite(tx, SUNSHINE_STAFF, "volunteer", None, now)
        assert await people.invite_communities(tx, invite) == [ids["阳光社区"]]
        with pytest.raises(people.RegistrationError):  # serving 桂花社区 directly
            await people.register_invited(
                tx, invite, NEWCOMER, name="小新", service_ids=["S020"], communities=[ids["桂花社区"]], asked=[],
                supervisor_id=None, locale="zh_CN", now=now,
            )  # fmt: skip
        with pytest.raises(people.RegistrationError):  # 桂花社区's social worker as supervisor
            await people.register_invited(
                tx, invite, NEWCOMER, name="小新", service_ids=["S020"], communities=[ids["阳光社区"]],
                asked=[ids["桂花社区"]], supervisor_id=WORKER, locale="zh_CN", now=now,
            )  # fmt: skip
        assert await tx.providers.get(NEWCOMER) is None
        unspent = await tx.invites.get(invite.code)
        assert unspent is not None and unspent.used_by is None
        # A social worker of 阳光社区 to supervise, then a proper registration with an ask for 桂花社区.
        await people.register_provider(
            tx, 910001, "social_worker", name="陈社工", organization=None, service_ids=["S020"],
            communities=["阳光社区"], supervisor_id=None, locale="zh_CN", now=now,
        )  # fmt: skip
        provider, (application,) = await people.register_invited(
            tx, invite, NEWCOMER, name="小新", service_ids=["S020"], communities=[ids["阳光社区"]],
            asked=[ids["桂花社区"]], supervisor_id=910001, locale="zh_CN", now=now,
        )  # fmt: skip
        assert provider.community_ids == (ids["阳光社区"],)
        assert (application.community_id, application.status) == (ids["桂花社区"], "pending")
        assert NEWCOMER not in {c.telegram_id for c in await tx.providers.candidates("S020", ids["桂花社区"], 0)}
        assert NEWCOMER in {c.telegram_id for c in await tx.providers.candidates("S020", ids["阳光社区"], 0)}

        for stranger in (SUNSHINE_STAFF, NEWCOMER, WORKER, 424242):
            with pytest.raises(PermissionError):
                await people.decide_application(tx, application.id, stranger, True, now)
        with pytest.raises(people.UnknownApplication):
            await people.decide_application(tx, 99999, GUIHUA_STAFF, True, now)
        with pytest.raises(people.UnknownApplication):
            await people.decide_application(tx, None, GUIHUA_STAFF, True, now)

        decided = await people.decide_application(tx, application.id, GUIHUA_STAFF, True, now)
        assert (decided.status, decided.decided_by) == ("approved", GUIHUA_STAFF)
        with pytest.raises(people.AlreadyDecided):
            await people.decide_application(tx, application.id, GUIHUA_STAFF, False, now)
        assert NEWCOMER in {c.telegram_id for c in await tx.providers.candidates("S020", ids["桂花社区"], 0)}
    await db.close()
