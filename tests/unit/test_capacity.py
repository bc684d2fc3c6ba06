"""The capacity assessment shown beside an application: computed from the organisation's own record."""

from __future__ import annotations

from datetime import timedelta

from core.capacity import assess
from storage.records import OfferFact
from storage.records_projects import DeliveredRequest
from tests.unit.fakes_funds import NOW, FakeUow

ORG, OTHER = "阳光社工服务中心", "别家机构"


def _fact(organization: str, answer: str, *, minutes: int = 5, done: bool = True, rating: int | None = 5) -> OfferFact:
    offered = NOW - timedelta(days=3)
    answered = offered + timedelta(minutes=minutes)
    return OfferFact(
        1,
        "陈社工",
        organization,
        "阳光社区",
        offered,
        answer,
        answered,
        answered + timedelta(hours=1) if done and answer == "accepted" else None,
        rating if answer == "accepted" else None,
    )


async def test_the_record_of_this_organisation_only() -> None:
    uow = FakeUow()
    facts = [_fact(ORG, "accepted") for _ in range(6)] + [_fact(ORG, "accepted", done=False, rating=None)]
    facts += [_fact(ORG, "declined", minutes=90), _fact(OTHER, "declined", minutes=90)]
    uow.projects.offers = {
        1: [f for f in facts if f.organization == ORG],
        2: [f for f in facts if f.organization != ORG],
    }
    uow.projects.organizations, uow.projects.organization_hours = {1: ORG, 2: OTHER}, {1: 600}
    fund = 1
    done = await uow.project(fund, 100, [10])
    await uow.project(fund, 100, [10])  # a past project that delivered nothing
    uow.projects.done[done] = [DeliveredRequest(1, "YG-1", 10, 5, NOW)]
    capacity = await assess(uow, 1, NOW)  # type: ignore[arg-type]
    assert (capacity.offers, capacity.accepted) == (8, 7)  # 别家机构's offer is not counted
    assert capacity.response_rate == 7 / 8 and capacity.resolution_rate == 6 / 7 and capacity.satisfaction == 5.0
    assert (capacity.minutes, capacity.past_projects, capacity.past_delivered) == (600, 2, 1)
    assert capacity.score == round(30 * 7 / 8 + 30 * 6 / 7 + 25 + 5) and not capacity.thin


async def test_an_organisation_without_a_record_is_thin_not_bad() -> None:
    uow = FakeUow()
    uow.projects.organizations = {2: "新机构"}
    capacity = await assess(uow, 2, NOW)  # type: ignore[arg-type]
    assert capacity.thin and capacity.score == 0 and capacity.response_rate is None
