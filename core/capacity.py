"""An organisation's capacity, from its record, shown beside each application to a call.

Over the last year: response rate, resolution rate and satisfaction of its people's tasks (core.stats, the
figures staff see in /stats), the service hours they logged, and its past projects with the requests they
delivered. The score (0–100) weighs response 30, resolution 30, satisfaction 25 (as rating/5) and experience 15
(a past project with delivered requests counts 5, up to 3); a missing figure scores 0 on its part and the
record is marked thin, so an organisation new to the city is shown as unknown rather than as bad.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core import stats
from storage.protocols import UnitOfWork

LOOK_BACK = timedelta(days=365)
RESPONSE_LIMIT = timedelta(minutes=30)  # the chat passes the bot's own accept limit, as /stats does
THIN_RECORD = 5  # fewer tasks than this: too few to judge


@dataclass(frozen=True)
class Capacity:
    organization: str
    offers: int
    accepted: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction: float | None
    minutes: int
    past_projects: int
    past_delivered: int
    score: int

    @property
    def thin(self) -> bool:
        return self.accepted < THIN_RECORD


async def assess(uow: UnitOfWork, organization_id: int, now: datetime, limit: timedelta = RESPONSE_LIMIT) -> Capacity:
    name = await uow.projects.organization_name(organization_id) or ""
    # Chosen in SQL, by the organisation each offer was made for: not the whole city's year of offers per applicant.
    facts = await uow.projects.organization_offer_facts(organization_id, now - LOOK_BACK, now)
    figures = stats.figures(name, facts, limit)
    minutes = await uow.projects.organization_minutes(organization_id, now - LOOK_BACK, now)
    past = list(await uow.projects.of_organization(organization_id))
    delivered = [len(await uow.projects.delivered(p.id, organization_id)) for p in past]
    experience = min(3, sum(1 for n in delivered if n > 0)) * 5
    score = round(
        30 * (figures.response_rate or 0)
        + 30 * (figures.resolution_rate or 0)
        + 25 * ((figures.satisfaction or 0) / 5)
        + experience
    )
    return Capacity(
        name,
        figures.offers,
        figures.accepted,
        figures.response_rate,
        figures.resolution_rate,
        figures.satisfaction,
        minutes,
        len(past),
        sum(delivered),
        score,
    )
