"""Street office rules over small fakes: the longest-waiting community first in dispatch, the figures and the
supply-and-demand gaps built from storage's counts, and the limits of 人随事转."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core import provider_moves, street_stats, supply_demand
from core.dispatch import longest_wait_first, rank
from core.requests import open_request
from core.timeouts import TimeLimits, sweep
from storage.records import Candidate, NewRequest, OpenRound, Provider
from storage.street_records import ALL_COMMUNITIES, Demand, OfferCounts, ProviderLoad, Supply, WaitingTimes
from tests.unit.fakes import FakeProviders, FakeUnitOfWork

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Shanghai")
SUNSHINE, OSMANTHUS, ELSEWHERE = 1, 2, 3


class RoundProviders(FakeProviders):
    """FakeProviders that also know which rounds are out (for the time-limit sweep)."""

    rounds: list[OpenRound]

    async def open_rounds(self) -> Sequence[OpenRound]:
        return self.rounds

    async def stalled_tasks(self, updated_before: datetime) -> Sequence[int]:
        return []


class FakeStreetReports:
    def __init__(self, providers: FakeProviders) -> None:
        self.providers = providers
        self.waiting: dict[int, datetime] = {}
        self.moved: list[tuple[int, int, str, int]] = []

    async def waiting_since(self, community_ids: Sequence[int]) -> dict[int, datetime]:
        return {cid: at for cid, at in self.waiting.items() if cid in community_ids}

    async def _set_area(self, provider_id: int, communities: tuple[int, ...]) -> None:
        self.providers.rows[provider_id] = dataclasses.replace(
            self.providers.rows[provider_id], community_ids=communities
        )

    async def add_service_area(self, provider_id: int, community_id: int, moved_by: int, now: datetime) -> bool:
        area = self.providers.rows[provider_id].community_ids
        if community_id in area:
            return False
        await self._set_area(provider_id, (*area, community_id))
        self.moved.append((provider_id, community_id, "add", moved_by))
        return True

    async def remove_service_area(self, provider_id: int, community_id: int, moved_by: int, now: datetime) -> bool:
        area = self.providers.rows[provider_id].community_ids
        if community_id not in area:
            return False
        await self._set_area(provider_id, tuple(c for c in area if c != community_id))
        self.moved.append((provider_id, community_id, "remove", moved_by))
        return True


class FakeLocks:
    """Records which locks were taken (one process: nothing to wait for)."""

    def __init__(self) -> None:
        self.taken: list[str] = []

    async def one_at_a_time(self, name: str) -> None:
        self.taken.append(name)


class StreetUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(["阳光社区", "桂花社区", "枫树社区"])
        self.providers = RoundProviders(self.requests)
        self.providers.rounds = []
        self.street_reports = FakeStreetReports(self.providers)
        self.locks = FakeLocks()


# Dispatch: among equals, the community that has waited longest.


def test_among_equal_providers_one_not_yet_offered_in_the_batch_comes_first() -> None:
    pool = [Candidate(11, 0, 4.0, 5.0), Candidate(12, 0, 4.0, 5.0), Candidate(13, 1, 5.0, 1.0)]
    assert rank(pool, top_k=1) == [11]
    assert rank(pool, top_k=1, offered=Counter({11: 1})) == [12]
    # Only among equals: fewer open tasks still beat a push made earlier in the batch.
    assert rank([Candidate(11, 0, None), Candidate(12, 1, None)], top_k=1, offered=Counter({11: 2})) == [11]


def test_the_batch_rule_decides_between_providers_with_real_unequal_figures() -> None:
    # Real means never tie exactly: 4.6 and 4.8 stars, 3.2 and 7.9 minutes are "as good" (half a star, ten
    # minutes), so the one not yet offered another request of the batch comes first.
    pool = [Candidate(11, 0, 4.8, 3.2), Candidate(12, 0, 4.6, 7.9)]
    assert rank(pool, top_k=1) == [11]  # with nothing offered yet, the exact figures still decide
    assert rank(pool, top_k=1, offered=Counter({11: 1})) == [12]
    # Clearly better still wins: a whole star, or answering in 4 minutes against 25.
    assert rank([Candidate(11, 0, 4.8, 3.2), Candidate(12, 0, 3.6, 3.0)], top_k=1, offered=Counter({11: 1})) == [11]
    assert rank([Candidate(11, 0, 4.5, 4.0), Candidate(12, 0, 4.5, 25.0)], top_k=1, offered=Counter({11: 1})) == [11]


async def test_a_sweep_shares_providers_with_real_figures_between_communities() -> None:
    uow = StreetUnitOfWork()
    sunshine = await _dispatched(uow, SUNSHINE, "阳光社区")
    osmanthus = await _dispatched(uow, OSMANTHUS, "桂花社区")
    uow.providers.rounds = [OpenRound(r, NOW - timedelta(hours=1), None, "today") for r in (sunshine, osmanthus)]
    uow.providers.eligible = [Candidate(21, 0, 4.7, 4.5), Candidate(22, 0, 4.9, 6.1)]
    uow.street_reports.waiting = {SUNSHINE: NOW - timedelta(hours=2), OSMANTHUS: NOW - timedelta(days=3)}

    result = await sweep(uow, NOW, TimeLimits(top_k=1))

    assert [(c.request.id, c.push_to) for c in result.changes] == [(osmanthus, (22,)), (sunshine, (21,))]


def test_the_community_that_has_waited_longest_goes_first() -> None:
    waiting = {SUNSHINE: NOW - timedelta(hours=1), OSMANTHUS: NOW - timedelta(hours=5)}
    items = [(101, SUNSHINE), (102, ELSEWHERE), (103, OSMANTHUS), (104, SUNSHINE)]
    ordered = longest_wait_first(items, lambda item: item[1], waiting, NOW)
    assert ordered == [(103, OSMANTHUS), (101, SUNSHINE), (104, SUNSHINE), (102, ELSEWHERE)]


async def _dispatched(uow: StreetUnitOfWork, community_id: int, name: str) -> int:
    new = NewRequest(resident_id=1, community_id=community_id, service_id="S020", need_text="下水道堵了")
    request = (await open_request(uow, new, name, NOW - timedelta(hours=2), TZ)).request
    uow.requests.rows[request.id] = dataclasses.replace(request, status="dispatched")
    return request.id


async def test_a_sweep_offers_the_longest_waiting_community_first_and_gives_it_the_free_provider() -> None:
    uow = StreetUnitOfWork()
    sunshine = await _dispatched(uow, SUNSHINE, "阳光社区")  # the lower id: without the rule it would go first
    osmanthus = await _dispatched(uow, OSMANTHUS, "桂花社区")
    uow.providers.rounds = [OpenRound(r, NOW - timedelta(hours=1), None, "today") for r in (sunshine, osmanthus)]
    uow.providers.eligible = [Candidate(21, 0, None), Candidate(22, 0, None)]  # serve both, equal in every way
    uow.street_reports.waiting = {SUNSHINE: NOW - timedelta(hours=2), OSMANTHUS: NOW - timedelta(days=3)}

    result = await sweep(uow, NOW, TimeLimits(top_k=1))

    assert [(c.request.id, c.push_to) for c in result.changes] == [(osmanthus, (21,)), (sunshine, (22,))]


# Figures and gaps, from the rows storage counts.


def test_street_figures_per_community_and_in_total() -> None:
    names = {SUNSHINE: "阳光社区", OSMANTHUS: "桂花社区"}
    counts = [
        OfferCounts(SUNSHINE, 4, 4, 3, 2, 1, 4.5),
        OfferCounts(OSMANTHUS, 2, 1, 0, 0, 0, None),
        OfferCounts(ALL_COMMUNITIES, 6, 5, 3, 2, 1, 4.5),
    ]
    waits = [WaitingTimes(SUNSHINE, 5.0, 9.0, 60.0, 60.0), WaitingTimes(ALL_COMMUNITIES, 5.0, 9.0, 60.0, 60.0)]
    demand = [
        Demand(SUNSHINE, "housekeeping", 3, 0, 2, 1, 4),
        Demand(OSMANTHUS, "elderly", 4, 3, 0, 0, 0),
        Demand(OSMANTHUS, None, 2, 2, 0, 0, 0),
    ]
    figures = street_stats.build(names, "合计", counts, waits, demand, NOW - timedelta(days=7), NOW)
    osmanthus, sunshine = figures.communities  # by name: 桂 before 阳
    assert sunshine.response_rate == 3 / 4 and sunshine.resolution_rate == 1 / 2 and sunshine.satisfaction == 4.5
    assert sunshine.median_to_accept == 5.0 and sunshine.p90_to_accept == 9.0 and sunshine.filed == 3
    assert osmanthus.response_rate == 0 and osmanthus.resolution_rate is None and osmanthus.median_to_done is None
    assert (osmanthus.filed, osmanthus.unmet) == (6, 5)
    assert (figures.total.name, figures.total.offers, figures.total.filed, figures.total.unmet) == ("合计", 6, 9, 5)
    assert [(u.name, u.category, u.unmet) for u in figures.unmet] == [("桂花社区", "elderly", 3), ("桂花社区", None, 2)]


def test_which_community_lacks_which_service_ranked_by_the_gap() -> None:
    names = {SUNSHINE: "阳光社区", OSMANTHUS: "桂花社区"}
    demand = [
        Demand(SUNSHINE, "housekeeping", 5, 1, 4, 0, 0),  # one went unmet although two providers are there
        Demand(OSMANTHUS, "elderly", 3, 0, 0, 0, 0),  # nobody unmet yet, but nobody on duty offers it
        Demand(OSMANTHUS, None, 2, 2, 0, 0, 0),  # no service fitted
        Demand(ELSEWHERE, "elderly", 9, 9, 0, 0, 0),  # not the office's: never shown
    ]
    supply = [
        Supply(SUNSHINE, "housekeeping", 2, 2),
        Supply(OSMANTHUS, "elderly", 1, 0),
        Supply(OSMANTHUS, "legal", 1, 1),  # supply without demand: in the table, not a shortage
    ]
    cells = supply_demand.table(names, demand, supply)
    assert {(c.name, c.category) for c in cells} == {
        ("阳光社区", "housekeeping"), ("桂花社区", "elderly"), ("桂花社区", None), ("桂花社区", "legal"),
    }  # fmt: skip
    lacking = supply_demand.shortages(cells)
    assert [(c.name, c.category, c.gap) for c in lacking] == [
        ("桂花社区", "elderly", 3),
        ("桂花社区", None, 2),
        ("阳光社区", "housekeeping", 1),
    ]


# 人随事转: only within the office's own set.


async def _office_with_provider(area: tuple[int, ...]) -> StreetUnitOfWork:
    uow = StreetUnitOfWork()
    uow.providers.rows[31] = Provider(31, "social_worker", "陈社工", community_ids=area)
    return uow


async def test_a_move_adds_and_removes_within_the_set_and_is_recorded() -> None:
    uow = await _office_with_provider((SUNSHINE,))
    names = {SUNSHINE: "阳光社区", OSMANTHUS: "桂花社区"}
    await provider_moves.move(uow, 900, names, 31, OSMANTHUS, True, NOW)
    await provider_moves.move(uow, 900, names, 31, SUNSHINE, False, NOW)
    assert uow.providers.rows[31].community_ids == (OSMANTHUS,)
    assert uow.street_reports.moved == [(31, OSMANTHUS, "add", 900), (31, SUNSHINE, "remove", 900)]


@pytest.mark.parametrize(
    ("area", "community", "add", "reason"),
    [
        ((SUNSHINE,), ELSEWHERE, True, provider_moves.OUTSIDE),  # to a community outside the set
        ((SUNSHINE, ELSEWHERE), ELSEWHERE, False, provider_moves.OUTSIDE),  # from one outside the set
        ((ELSEWHERE,), SUNSHINE, True, provider_moves.NOT_OURS),  # a provider serving none of the set
        ((SUNSHINE,), SUNSHINE, True, provider_moves.ALREADY),
        ((SUNSHINE,), OSMANTHUS, False, provider_moves.NOT_SERVING),
        ((SUNSHINE,), SUNSHINE, False, provider_moves.LAST),  # would serve nowhere
    ],
)
async def test_moves_that_are_refused(area: tuple[int, ...], community: int, add: bool, reason: str) -> None:
    uow = await _office_with_provider(area)
    with pytest.raises(provider_moves.MoveRefused) as refused:
        await provider_moves.move(uow, 900, {SUNSHINE: "阳光社区", OSMANTHUS: "桂花社区"}, 31, community, add, NOW)
    assert refused.value.reason == reason
    assert uow.providers.rows[31].community_ids == area and uow.street_reports.moved == []


async def test_moves_of_one_provider_take_turns() -> None:
    # On PostgreSQL two offices removing two of the provider's communities at once would both see "not the last".
    uow = await _office_with_provider((SUNSHINE, OSMANTHUS))
    await provider_moves.move(uow, 900, {SUNSHINE: "阳光社区"}, 31, SUNSHINE, False, NOW)
    assert uow.locks.taken == ["provider area:31"]


async def test_an_unknown_provider_cannot_be_moved() -> None:
    uow = StreetUnitOfWork()
    with pytest.raises(provider_moves.MoveRefused) as refused:
        await provider_moves.move(uow, 900, {SUNSHINE: "阳光社区"}, 404, SUNSHINE, True, NOW)
    assert refused.value.reason == provider_moves.NOT_OURS


def test_a_street_office_has_its_own_menu_and_works_here() -> None:
    import handlers
    from core import menus

    commands = menus.commands_for({"street"}, handlers.COMMANDS)
    assert commands is not None and {"stats", "report", "supply", "providers", "export"} <= set(commands)
    assert not {"announce", "invite", "tasks", "vote"} & set(commands)
    assert menus.works_here({"street"})


def test_the_provider_view_pages_the_communities_and_the_list_caps_them() -> None:
    from pathlib import Path

    from bot.i18n import I18n
    from handlers import street
    from handlers.street_views import provider_text

    t = I18n.load(Path(__file__).parents[2] / "locales", "zh_CN", TZ).translator("zh_CN")
    names = {cid: f"社区{cid:03d}" for cid in range(1, 126)}  # a district office over 125 communities
    summary = provider_moves.summarise(
        [ProviderLoad(31, "陈社工", "阳光社工服务中心", True, cid, True, 1, 0, 125) for cid in names], names
    )[0]
    first = street._provider_markup(t, summary, names, 0).inline_keyboard
    assert len(first) == street.PAGE_SIZE + 2  # ten ➖, the pager, back to the list
    assert [b.callback_data for b in first[-2]] == ["so:p:31:1"]
    last = street._provider_markup(t, summary, names, 12).inline_keyboard
    assert [b.text for row in last[:-2] for b in row] == ["➖ 移出 社区121", "➖ 移出 社区122", "➖ 移出 社区123",
                                                         "➖ 移出 社区124", "➖ 移出 社区125"]  # fmt: skip
    assert [b.callback_data for b in last[-2]] == ["so:p:31:11"]
    short = provider_text(t, summary, short=True)
    assert short.count("进行中 1 ·") == 3 and "还有 122 条" in short and len(short) < 300
    assert provider_text(t, summary, short=False).count("\n• ") <= 13
