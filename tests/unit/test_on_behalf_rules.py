"""Rules of filing on someone's behalf (core.family, core.on_behalf) over small in-memory fakes."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from core import family, on_behalf
from core.people import GRID_WORKER, STAFF
from storage.behalf import FamilyLink, Filing, OfflineResident
from storage.records import OFFLINE_ID_BASE, RequestRecord, User, has_chat
from tests.unit.fakes import FakeRequests, FakeUnitOfWork

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
MOTHER, DAUGHTER, STRANGER, GRID, OTHER_GRID, CLERK = 101, 102, 103, 201, 202, 301


class FakeBehalf:
    """The part of storage.behalf.BehalfRepository these rules use."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow
        self.codes: dict[str, tuple[int, datetime, int | None]] = {}
        self.links: list[FamilyLink] = []
        self.offline_rows: dict[int, OfflineResident] = {}
        self.filings: dict[int, Filing] = {}
        self.forgotten: list[int] = []
        self.tries: list[tuple[int, datetime]] = []

    async def purge_codes(self, now: datetime) -> None:
        self.codes = {c: v for c, v in self.codes.items() if v[2] is None and v[1] > now}

    async def add_code(self, code: str, resident_id: int, expires_at: datetime) -> bool:
        self.codes = {c: v for c, v in self.codes.items() if v[0] != resident_id or v[2] is not None}
        if code in self.codes:  # the code is the table's key
            return False
        self.codes[code] = (resident_id, expires_at, None)
        return True

    async def count_tries(self, member_id: int, since: datetime) -> int:
        return sum(1 for who, at in self.tries if who == member_id and at > since)

    async def add_try(self, member_id: int, now: datetime) -> None:
        self.tries.append((member_id, now))

    async def code_owner(self, code: str, now: datetime) -> int | None:
        row = self.codes.get(code)
        return row[0] if row and row[2] is None and row[1] > now else None

    async def use_code(self, code: str, member_id: int, now: datetime) -> int | None:
        owner = await self.code_owner(code, now)
        if owner is not None:
            self.codes[code] = (owner, self.codes[code][1], member_id)
        return owner

    async def ask_link(self, resident_id: int, member_id: int, member_label: str, resident_label: str,
                       now: datetime) -> int | None:  # fmt: skip
        if any(x.resident_id == resident_id and x.member_id == member_id and x.status in ("pending", "active")
               for x in self.links):  # fmt: skip
            return None
        link = FamilyLink(len(self.links) + 1, resident_id, member_id, member_label, resident_label, "pending", False)
        self.links.append(link)
        return link.id

    async def link(self, link_id: int) -> FamilyLink | None:
        return next((x for x in self.links if x.id == link_id), None)

    def _set(self, link_id: int, **changes: object) -> None:
        self.links = [dataclasses.replace(x, **changes) if x.id == link_id else x for x in self.links]  # type: ignore[arg-type]

    async def decide_link(self, link_id: int, resident_id: int, approve: bool, sees_all: bool, now: datetime) -> bool:
        link = await self.link(link_id)
        if link is None or link.resident_id != resident_id or link.status != "pending":
            return False
        self._set(link_id, status="active" if approve else "refused", sees_all=sees_all)
        return True

    async def set_sees_all(self, link_id: int, resident_id: int, sees_all: bool) -> bool:
        link = await self.link(link_id)
        if link is None or link.resident_id != resident_id or link.status != "active":
            return False
        self._set(link_id, sees_all=sees_all)
        return True

    async def end_link(self, link_id: int, by: int, now: datetime) -> bool:
        link = await self.link(link_id)
        if link is None or by not in (link.resident_id, link.member_id) or link.status not in ("pending", "active"):
            return False
        self._set(link_id, status="ended")
        return True

    async def links_of(self, person_id: int) -> Sequence[FamilyLink]:
        return [
            x for x in self.links if person_id in (x.resident_id, x.member_id) and x.status in ("pending", "active")
        ]

    async def active_link(self, resident_id: int, member_id: int) -> FamilyLink | None:
        return next((x for x in self.links if (x.resident_id, x.member_id, x.status) == (resident_id, member_id,
                                                                                          "active")), None)  # fmt: skip

    async def offline(self, person_id: int) -> OfflineResident | None:
        return self.offline_rows.get(person_id)

    async def filing(self, request_id: int) -> Filing:
        return self.filings.get(request_id, Filing(None, None, None))

    async def forget_person(self, person_id: int) -> None:
        self.links = [x for x in self.links if person_id not in (x.resident_id, x.member_id)]
        self.forgotten.append(person_id)

    async def drafts_for(self, resident_id: int) -> Sequence[int]:
        return [chat for chat, d in self.uow.dialogs.rows.items() if d.data.get("for_resident") == resident_id]


def _world() -> tuple[FakeUnitOfWork, FakeBehalf]:
    uow = FakeUnitOfWork(["阳光社区", "桂花社区"])
    behalf = FakeBehalf(uow)
    uow.behalf = behalf  # type: ignore[attr-defined]
    for person, community in ((MOTHER, 1), (DAUGHTER, 2), (STRANGER, 1), (GRID, 1), (OTHER_GRID, 2), (CLERK, 1)):
        uow.users.rows[person] = User(person, "zh_CN", community_id=community, consent_at=NOW, roles=frozenset())
    uow.users.rows[GRID] = dataclasses.replace(uow.users.rows[GRID], roles=frozenset({GRID_WORKER}))
    uow.users.role_communities[(GRID, GRID_WORKER)] = 1
    uow.users.rows[OTHER_GRID] = dataclasses.replace(uow.users.rows[OTHER_GRID], roles=frozenset({GRID_WORKER}))
    uow.users.role_communities[(OTHER_GRID, GRID_WORKER)] = 2
    uow.users.rows[CLERK] = dataclasses.replace(uow.users.rows[CLERK], roles=frozenset({STAFF}))
    uow.users.role_communities[(CLERK, STAFF)] = 1
    return uow, behalf


def _offline(uow: FakeUnitOfWork, behalf: FakeBehalf, community: int = 1) -> int:
    person = OFFLINE_ID_BASE + 1
    behalf.offline_rows[person] = OfflineResident(person, community, "王奶奶", "13800001111", None, "3栋", GRID, GRID,
                                                  NOW)  # fmt: skip
    uow.users.rows[person] = User(person, "zh_CN", community_id=community, consent_at=NOW)
    return person


async def _linked(uow: FakeUnitOfWork, choice: str = family.SEES_OWN) -> FamilyLink:
    users = uow.users.rows
    code = await family.new_code(uow, users[MOTHER], NOW)  # type: ignore[arg-type]
    asked = await family.ask(uow, users[DAUGHTER], code, "女儿小红", "妈妈", NOW)  # type: ignore[arg-type]
    return await family.decide(uow, users[MOTHER], asked.id, choice, NOW)  # type: ignore[arg-type]


def _request(resident: int, request_id: int = 1) -> RequestRecord:
    return RequestRecord(request_id, "YG-2612-0001", resident, 1, "S020", "下水道堵了", "done", NOW, NOW)


def test_ids_of_residents_without_a_chat_are_apart_from_every_channel() -> None:
    assert has_chat(123456789) and has_chat((1 << 52) - 1) and has_chat(1 << 53)  # Telegram, WeChat
    assert not has_chat(OFFLINE_ID_BASE) and not has_chat(OFFLINE_ID_BASE + 99)


async def test_a_code_links_only_once_the_resident_confirms_and_is_used_once() -> None:
    uow, behalf = _world()
    users = uow.users.rows
    code = await family.new_code(uow, users[MOTHER], NOW)  # type: ignore[arg-type]
    assert len(code) == 8 and code.isdigit()
    with pytest.raises(family.FamilyError, match=r"family\.own_code"):
        await family.check_code(uow, users[MOTHER], code, NOW)  # type: ignore[arg-type]
    asked = await family.ask(uow, users[DAUGHTER], code, "女儿小红", "妈妈", NOW)  # type: ignore[arg-type]
    assert asked.status == "pending"
    assert await behalf.active_link(MOTHER, DAUGHTER) is None  # not before the resident confirms
    with pytest.raises(family.FamilyError, match=r"family\.unknown_code"):  # used up
        await family.ask(uow, users[STRANGER], code, "邻居", "王阿姨", NOW)  # type: ignore[arg-type]
    with pytest.raises(family.FamilyError):  # only the resident confirms
        await family.decide(uow, users[DAUGHTER], asked.id, family.SEES_ALL, NOW)  # type: ignore[arg-type]
    confirmed = await family.decide(uow, users[MOTHER], asked.id, family.SEES_ALL, NOW)  # type: ignore[arg-type]
    assert confirmed.status == "active" and confirmed.sees_all
    with pytest.raises(family.FamilyError):  # answered already: a second press is stale
        await family.decide(uow, users[MOTHER], asked.id, "no", NOW)  # type: ignore[arg-type]


async def test_an_expired_code_is_unknown() -> None:
    uow, _ = _world()
    users = uow.users.rows
    code = await family.new_code(uow, users[MOTHER], NOW)  # type: ignore[arg-type]
    with pytest.raises(family.FamilyError, match=r"family\.unknown_code"):
        await family.check_code(uow, users[DAUGHTER], code, NOW + family.CODE_LIFETIME + timedelta(seconds=1))  # type: ignore[arg-type]


async def test_a_family_member_files_only_while_linked_and_either_side_ends_it() -> None:
    uow, _ = _world()
    users = uow.users.rows
    with pytest.raises(on_behalf.BehalfError):
        await on_behalf.resolve(uow, users[DAUGHTER], MOTHER)  # type: ignore[arg-type]
    link = await _linked(uow)
    target = await on_behalf.resolve(uow, users[DAUGHTER], MOTHER)  # type: ignore[arg-type]
    assert (target.how, target.proxy_id, target.name) == (on_behalf.FAMILY, None, "妈妈")  # she has a chat
    assert await on_behalf.family_choices(uow, users[DAUGHTER]) == [(MOTHER, "妈妈")]  # type: ignore[arg-type]
    with pytest.raises(on_behalf.BehalfError):  # the link goes one way
        await on_behalf.resolve(uow, users[MOTHER], DAUGHTER)  # type: ignore[arg-type]
    with pytest.raises(family.FamilyError):  # a stranger cannot end it
        await family.end(uow, users[STRANGER], link.id, NOW)  # type: ignore[arg-type]
    await family.end(uow, users[MOTHER], link.id, NOW)  # type: ignore[arg-type]
    with pytest.raises(on_behalf.BehalfError):
        await on_behalf.resolve(uow, users[DAUGHTER], MOTHER)  # type: ignore[arg-type]


async def test_grid_workers_and_staff_file_only_for_residents_without_chat_of_their_community() -> None:
    uow, behalf = _world()
    users = uow.users.rows
    grandma = _offline(uow, behalf)
    target = await on_behalf.resolve(uow, users[GRID], grandma)  # type: ignore[arg-type]
    assert (target.how, target.proxy_id, target.name) == (GRID_WORKER, GRID, "王奶奶")
    assert (await on_behalf.resolve(uow, users[CLERK], grandma)).how == STAFF  # type: ignore[arg-type]
    for filer, resident in ((OTHER_GRID, grandma), (STRANGER, grandma), (GRID, MOTHER)):
        with pytest.raises(on_behalf.BehalfError):  # another community, no role, a resident with a chat
            await on_behalf.resolve(uow, users[filer], resident)  # type: ignore[arg-type]


async def test_who_hears_and_who_rates() -> None:
    uow, behalf = _world()
    grandma = _offline(uow, behalf)
    assert await on_behalf.listeners(uow, _request(MOTHER)) == [on_behalf.Listener(MOTHER, "resident", True)]  # type: ignore[arg-type]
    behalf.filings[1] = Filing(DAUGHTER, None, None)
    await _linked(uow)  # the daughter hears while the link is live (test_a_family_member_sees_and_cancels_…)
    assert await on_behalf.listeners(uow, _request(MOTHER)) == [  # type: ignore[arg-type]
        on_behalf.Listener(MOTHER, "resident", True),
        on_behalf.Listener(DAUGHTER, "filer", False),
    ]
    assert await on_behalf.answers_for(uow, _request(MOTHER), MOTHER)  # type: ignore[arg-type]
    assert not await on_behalf.answers_for(uow, _request(MOTHER), DAUGHTER)  # type: ignore[arg-type]
    behalf.filings[2] = Filing(GRID, GRID, None)
    offline_request = _request(grandma, 2)
    assert await on_behalf.listeners(uow, offline_request) == [on_behalf.Listener(GRID, "proxy", True)]  # type: ignore[arg-type]
    assert await on_behalf.answers_for(uow, offline_request, GRID)  # type: ignore[arg-type]
    assert not await on_behalf.answers_for(uow, offline_request, grandma)  # type: ignore[arg-type]
    assert not await on_behalf.answers_for(uow, offline_request, OTHER_GRID)  # type: ignore[arg-type]


async def test_a_family_member_sees_and_cancels_only_while_linked() -> None:
    uow, behalf = _world()
    link = await _linked(uow, family.SEES_OWN)
    own, filed = _request(MOTHER, 1), _request(MOTHER, 2)
    behalf.filings[2] = Filing(DAUGHTER, None, None)
    assert await on_behalf.may_see(uow, DAUGHTER, filed) and not await on_behalf.may_see(uow, DAUGHTER, own)  # type: ignore[arg-type]
    assert not await on_behalf.may_see(uow, STRANGER, filed)  # type: ignore[arg-type]
    assert await on_behalf.may_cancel(uow, DAUGHTER, filed) and not await on_behalf.may_cancel(uow, DAUGHTER, own)  # type: ignore[arg-type]
    await family.set_view(uow, uow.users.rows[MOTHER], link.id, family.SEES_ALL)  # type: ignore[arg-type]
    assert await on_behalf.may_see(uow, DAUGHTER, own)  # type: ignore[arg-type]
    # The link ends: what she filed is no longer hers to see, cancel or hear about.
    await family.end(uow, uow.users.rows[MOTHER], link.id, NOW)  # type: ignore[arg-type]
    assert not await on_behalf.may_see(uow, DAUGHTER, filed) and not await on_behalf.may_cancel(uow, DAUGHTER, filed)  # type: ignore[arg-type]
    assert await on_behalf.listeners(uow, filed) == [on_behalf.Listener(MOTHER, "resident", True)]  # type: ignore[arg-type]


async def test_a_proxy_who_lost_the_role_or_withdrew_hands_over_to_the_communitys_staff() -> None:
    uow, behalf = _world()
    grandma = _offline(uow, behalf)
    behalf.filings[2] = Filing(GRID, GRID, None)
    request = _request(grandma, 2)
    assert await on_behalf.answerers(uow, request) == [GRID]  # type: ignore[arg-type]
    await uow.users.revoke_role(GRID, GRID_WORKER)
    assert await on_behalf.listeners(uow, request) == [on_behalf.Listener(CLERK, "proxy", True)]  # type: ignore[arg-type]
    assert not await on_behalf.answers_for(uow, request, GRID) and await on_behalf.answers_for(uow, request, CLERK)  # type: ignore[arg-type]
    assert not await on_behalf.may_see(uow, GRID, request)  # type: ignore[arg-type]
    await uow.users.grant_role(GRID, GRID_WORKER, NOW, 1)  # back in the role, but withdrew consent
    uow.users.rows[GRID] = dataclasses.replace(uow.users.rows[GRID], consent_at=None)
    assert await on_behalf.answerers(uow, request) == [CLERK]  # type: ignore[arg-type]


async def test_wrong_codes_are_counted_and_limited() -> None:
    uow, _ = _world()
    users = uow.users.rows
    code = await family.new_code(uow, users[MOTHER], NOW)  # type: ignore[arg-type]
    wrong = "0" * family.CODE_DIGITS if code != "0" * family.CODE_DIGITS else "1" * family.CODE_DIGITS
    for _ in range(family.MAX_TRIES):
        with pytest.raises(family.FamilyError, match=r"family\.unknown_code"):
            await family.check_code(uow, users[DAUGHTER], wrong, NOW)  # type: ignore[arg-type]
    with pytest.raises(family.FamilyError, match=r"family\.too_many_tries"):  # even the right code, today
        await family.check_code(uow, users[DAUGHTER], code, NOW)  # type: ignore[arg-type]
    later = NOW + family.TRIES_WINDOW + timedelta(seconds=1)
    with pytest.raises(family.FamilyError, match=r"family\.unknown_code"):  # a day later: tries again (code expired)
        await family.check_code(uow, users[DAUGHTER], code, later)  # type: ignore[arg-type]


async def test_a_new_code_is_drawn_again_when_it_is_stored_already() -> None:
    uow, behalf = _world()
    users = uow.users.rows
    behalf.codes["12345678"] = (STRANGER, NOW + timedelta(hours=1), None)  # someone else's live code
    draws = iter(["12345678", "87654321"])
    assert await family.new_code(uow, users[MOTHER], NOW, draw=lambda: next(draws)) == "87654321"  # type: ignore[arg-type]
    assert behalf.codes["12345678"][0] == STRANGER


def test_a_resident_without_chat_is_reached_by_the_phone_recorded_for_them() -> None:
    person = OfflineResident(OFFLINE_ID_BASE + 1, 1, "王奶奶", "13800001111", None, None, GRID, GRID, NOW)
    assert on_behalf.with_contact({"need": "x"}, person)["phone"] == "13800001111"
    assert on_behalf.with_contact({"phone": "13900000000"}, person)["phone"] == "13900000000"  # typed wins
    assert "phone" not in on_behalf.with_contact({"need": "x"}, None)  # a resident with a chat: 通过聊天


def test_grid_workers_have_a_command_menu_of_their_own() -> None:
    from core import menus
    from handlers import COMMANDS

    commands = menus.commands_for({GRID_WORKER}, COMMANDS)
    assert commands is not None and "behalf" in commands and "privacy" in commands and "tasks" not in commands


async def test_forgetting_a_person_drops_links_and_a_filers_draft_for_them() -> None:
    uow, behalf = _world()
    await _linked(uow)
    await uow.dialogs.save(DAUGHTER, "need.where", {"for_resident": MOTHER, "need": "下水道堵了"}, NOW)
    await family.forget(uow, MOTHER, NOW)  # type: ignore[arg-type]
    assert behalf.links == [] and uow.dialogs.rows[DAUGHTER].state == "menu" and uow.dialogs.rows[DAUGHTER].data == {}


async def test_only_staff_of_the_persons_community_delete_a_resident_without_chat() -> None:
    uow, behalf = _world()
    grandma = _offline(uow, behalf, community=2)  # 桂花社区: the clerk is staff of 阳光社区
    users = uow.users.rows
    for who in (GRID, OTHER_GRID, CLERK, STRANGER):
        with pytest.raises(on_behalf.BehalfError, match=r"behalf\.not_allowed"):
            await on_behalf.delete_offline(uow, users[who], grandma, NOW)  # type: ignore[arg-type]
    with pytest.raises(on_behalf.BehalfError):  # a resident with a chat is never "deleted" this way
        await on_behalf.delete_offline(uow, users[CLERK], MOTHER, NOW)  # type: ignore[arg-type]
    assert grandma in behalf.offline_rows


class _Requests(FakeRequests):
    async def of_resident(self, resident_id: int, limit: int = 10) -> list[RequestRecord]:
        mine = [r for r in self.rows.values() if r.resident_id == resident_id]
        return sorted(mine, key=lambda r: r.id, reverse=True)[:limit]


async def test_the_last_address_offered_to_a_family_member_is_one_they_may_see() -> None:
    uow, behalf = _world()
    uow.requests = _Requests()  # type: ignore[assignment]
    link = await _linked(uow, family.SEES_OWN)
    filed = dataclasses.replace(_request(MOTHER, 1), address="她女儿填的地址")
    own = dataclasses.replace(_request(MOTHER, 2), address="妈妈自己的地址")  # newer, her own
    uow.requests.rows.update({1: filed, 2: own})
    behalf.filings[1] = Filing(DAUGHTER, None, None)
    users = uow.users.rows
    assert await on_behalf.last_address(uow, users[DAUGHTER], MOTHER) == "她女儿填的地址"  # type: ignore[arg-type]
    await family.set_view(uow, users[MOTHER], link.id, family.SEES_ALL)  # type: ignore[arg-type]
    assert await on_behalf.last_address(uow, users[DAUGHTER], MOTHER) == "妈妈自己的地址"  # type: ignore[arg-type]
    await family.end(uow, users[MOTHER], link.id, NOW)  # type: ignore[arg-type]
    with pytest.raises(on_behalf.BehalfError):  # no longer linked: nothing at all
        await on_behalf.last_address(uow, users[DAUGHTER], MOTHER)  # type: ignore[arg-type]
