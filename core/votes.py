"""Residents choose which projects get funded (群众评议立项): rounds, one changeable vote, paper ballots, results.

Who may do what is checked here, on every action, not only in the handlers: staff act only in their own
community; only residents of a round's community vote in it, and only while it is open.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from core.broadcast import NotAllowed, staff_community
from storage.protocols import UnitOfWork
from storage.records import User, VoteProject, VoteRound

MIN_PROJECTS, MAX_PROJECTS = 2, 10
MAX_DAYS_OPEN = 90
# Short enough that a ballot of MAX_PROJECTS projects, and the results with their paper-ballot notes, fit in
# one Telegram message (4,096 characters).
MAX_TITLE, MAX_ORGANIZATION, MAX_DESCRIPTION, MAX_NOTE = 40, 40, 120, 100
MAX_BUDGET_YUAN = 100_000_000
MAX_PAPER_BALLOTS = 100_000
RESIDENT = "resident"
LISTED_ROUNDS = 8  # rounds listed by /vote and /rounds: the unpublished ones, then the most recent
PUBLISH_WITHIN = timedelta(days=3)  # after voting ends, staff have this long to add paper ballots and publish


def _normal(text: str) -> str:
    """Full-width digits and punctuation (１２，：｜) as their ASCII selves."""
    return unicodedata.normalize("NFKC", text).strip()


class BadInput(ValueError):
    """What a person typed cannot be used; `key` names the locale message that says why."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


class Closed(Exception):
    """Too late: voting has ended (for a vote), or the result is published (for paper ballots)."""


@dataclass(frozen=True)
class ProjectDraft:
    title: str
    organization: str
    budget_yuan: int
    description: str


@dataclass(frozen=True)
class Tally:
    project: VoteProject
    online: int
    paper: int
    won: bool

    @property
    def total(self) -> int:
        return self.online + self.paper


@dataclass(frozen=True)
class Results:
    round: VoteRound
    tallies: Sequence[Tally]  # most votes first; ties keep the listed order
    paper_notes: Sequence[tuple[int, int, str]]  # (project id, ballots, note)
    voters: Sequence[tuple[int, str]] = ()  # (chat id, locale) of the online voters, when the round has just closed

    @property
    def online_total(self) -> int:
        return sum(t.online for t in self.tallies)

    @property
    def paper_total(self) -> int:
        return sum(t.paper for t in self.tallies)

    @property
    def tied(self) -> bool:
        """More projects won than will be funded: a tie at the last funded place, for staff to settle."""
        return sum(t.won for t in self.tallies) > self.round.winners


# --- reading what staff type -----------------------------------------------------------------------------------

_FULL_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_DAY_OF_MONTH = re.compile(r"^(\d{1,2})\s*[日号]$")  # 20日 / 20号: the 20th, not in 20 days
_IN_DAYS = re.compile(r"^(\d{1,3})\s*(天|days?|d)?(后|以后|later)?$", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s*(?:\n|[|｜])\s*")
_BUDGET = re.compile(
    r"^((?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?)\s*(万|w|k|千)?\s*(元|块|rmb|yuan|¥)?$", re.IGNORECASE
)


def parse_title(text: str) -> str:
    title = " ".join(text.split())
    if not title:
        raise BadInput("vote.bad_empty")
    if len(title) > MAX_TITLE:
        raise BadInput("vote.bad_title_long", max=MAX_TITLE)
    return title


def parse_closing(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A closing day typed as 2026-12-20, 12月20日, 12-20 or 14（天）: the round closes at 23:59 that day,
    city time. It must be later than now and at most MAX_DAYS_OPEN days ahead."""
    cleaned = _normal(text).replace(" ", "")
    today = now.astimezone(tz).date()
    day: date | None = None
    try:
        if m := _FULL_DATE.match(cleaned):
            day = date(int(m[1]), int(m[2]), int(m[3]))
        elif m := _MONTH_DAY.match(cleaned):
            day = date(today.year, int(m[1]), int(m[2]))
            if day < today:  # 1月5日 typed in December means next January
                day = date(today.year + 1, int(m[1]), int(m[2]))
        elif m := _DAY_OF_MONTH.match(cleaned):
            day = _next_day_of_month(today, int(m[1]))
        elif m := _IN_DAYS.match(cleaned):
            if int(m[1]) < 1:  # a vote needs at least a day
                raise BadInput("vote.bad_date_past")
            day = today + timedelta(days=int(m[1]))
    except BadInput:
        raise
    except ValueError:  # 2月30日
        raise BadInput("vote.bad_date") from None
    if day is None:
        raise BadInput("vote.bad_date")
    closes_at = datetime.combine(day, time(23, 59), tzinfo=tz)
    if closes_at <= now:
        raise BadInput("vote.bad_date_past")
    if day > today + timedelta(days=MAX_DAYS_OPEN):
        raise BadInput("vote.bad_date_far", days=MAX_DAYS_OPEN)
    return closes_at


def _next_day_of_month(today: date, day: int) -> date:
    """The next date that is the `day`th of a month (this month if it is still to come)."""
    year, month = today.year, today.month
    for _ in range(3):  # 31日 typed in a 30-day month: the month after has one
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise ValueError(day)


def parse_budget(text: str) -> int:
    """5000, 5,000元, 0.5万, 8k → whole yuan, at least 1."""
    m = _BUDGET.match(_normal(text).replace(" ", ""))
    if not m:
        raise BadInput("vote.bad_budget")
    amount = Decimal(m[1].replace(",", ""))
    amount *= {"万": 10_000, "w": 10_000, "k": 1_000, "千": 1_000}.get((m[2] or "").lower(), 1)
    if not 1 <= amount <= MAX_BUDGET_YUAN:
        raise BadInput("vote.bad_budget")
    return int(amount.quantize(Decimal(1), ROUND_HALF_UP))


def parse_project(text: str) -> ProjectDraft:
    """One project per message: title, organisation, budget and an optional description, one per line
    (or separated by ｜)."""
    parts = [p for p in _SEPARATORS.split(text.strip()) if p]
    if len(parts) < 3:
        raise BadInput("vote.bad_project")
    title = parse_title(parts[0])
    organization = " ".join(parts[1].split())
    if len(organization) > MAX_ORGANIZATION:
        raise BadInput("vote.bad_organization_long", max=MAX_ORGANIZATION)
    budget = parse_budget(parts[2])
    description = " ".join(" ".join(parts[3:]).split())
    if len(description) > MAX_DESCRIPTION:
        raise BadInput("vote.bad_description_long", max=MAX_DESCRIPTION)
    return ProjectDraft(title, organization, budget, description)


_PAPER = re.compile(r"^(\d+)(?:\s*[张票]\s*[,:、]?\s*|\s*[,:、]\s*|\s+)(\S.*)$", re.DOTALL)


def parse_paper(text: str) -> tuple[int, str]:
    """'35 第三网格投票箱' or '35张，居民议事会' → (35, note). The count must stand apart from the note, so that
    '355号楼投票箱' is refused rather than read as 355 ballots."""
    cleaned = _normal(text)
    if re.fullmatch(r"\d+\s*[张票]?", cleaned):
        raise BadInput("vote.bad_paper_note")
    m = _PAPER.match(cleaned)
    if not m or not 1 <= int(m[1]) <= MAX_PAPER_BALLOTS:
        raise BadInput("vote.bad_paper")
    note = " ".join(m[2].split())
    if len(note) > MAX_NOTE:
        raise BadInput("vote.bad_paper_note_long", max=MAX_NOTE)
    return int(m[1]), note


# --- counting --------------------------------------------------------------------------------------------------


def tally(projects: Sequence[VoteProject], online: dict[int, int], paper: dict[int, int], winners: int) -> list[Tally]:
    """Most votes (online + paper) first. The top `winners` projects win; a tie at the last funded place
    funds every project in the tie, since the votes give no ground to choose between them. A project
    with no votes at all never wins."""
    rows = [Tally(p, online.get(p.id, 0), paper.get(p.id, 0), False) for p in projects]
    rows.sort(key=lambda r: (-r.total, r.project.position))
    if not rows:
        return rows
    cut = rows[min(winners, len(rows)) - 1].total
    return [Tally(r.project, r.online, r.paper, r.total >= cut and r.total > 0) for r in rows]


def frozen_tally(projects: Sequence[VoteProject]) -> list[Tally]:
    rows = [Tally(p, p.final_online or 0, p.final_paper or 0, p.won) for p in projects]
    return sorted(rows, key=lambda r: (-r.total, r.project.position))


# --- actions ---------------------------------------------------------------------------------------------------


async def open_round(
    uow: UnitOfWork, staff_id: int, title: str, closes_at: datetime, winners: int,
    projects: Sequence[ProjectDraft], now: datetime,
) -> int:  # fmt: skip
    community_id = await staff_community(uow, staff_id)
    if not MIN_PROJECTS <= len(projects) <= MAX_PROJECTS:
        raise BadInput("vote.bad_project_count", min=MIN_PROJECTS, max=MAX_PROJECTS)
    if not 1 <= winners < len(projects):
        raise BadInput("vote.bad_winners")
    if closes_at <= now:
        raise BadInput("vote.bad_date_past")
    round_id = await uow.votes.create_round(community_id, title, winners, closes_at, staff_id, now)
    for position, p in enumerate(projects, start=1):
        await uow.votes.add_project(round_id, position, p.title, p.organization, p.budget_yuan, p.description)
    return round_id


async def round_for_staff(uow: UnitOfWork, staff_id: int, round_id: int) -> VoteRound:
    community_id = await staff_community(uow, staff_id)
    found = await uow.votes.get_round(round_id)
    if found is None or found.community_id != community_id:
        raise NotAllowed("staff act only on their own community's rounds")
    return found


def resident_community(user: User | None) -> int:
    if user is None or RESIDENT not in user.roles or user.community_id is None:
        raise NotAllowed("only residents vote")
    return user.community_id


async def round_for_resident(uow: UnitOfWork, user: User | None, round_id: int) -> VoteRound:
    community_id = resident_community(user)
    found = await uow.votes.get_round(round_id)
    if found is None or found.community_id != community_id:
        raise NotAllowed("residents vote only in their own community")
    return found


def is_open(vote_round: VoteRound, now: datetime) -> bool:
    """Residents can vote."""
    return vote_round.status == "open" and now < vote_round.closes_at


def takes_paper(vote_round: VoteRound) -> bool:
    """Staff can still type in paper ballots: while voting, and after it until the result is published (the
    ballot boxes are emptied when voting ends)."""
    return vote_round.status in ("open", "counting")


async def project_of(uow: UnitOfWork, round_id: int, project_id: int) -> VoteProject:
    """A project of this round (an id from a forged button names someone else's)."""
    project = next((p for p in await uow.votes.projects(round_id) if p.id == project_id), None)
    if project is None:
        raise NotAllowed("no such project in this round")
    return project


async def cast(uow: UnitOfWork, user: User | None, round_id: int, project_id: int, now: datetime) -> VoteProject:
    """Record (or change) the resident's one vote in the round; returns the project voted for."""
    vote_round = await round_for_resident(uow, user, round_id)
    if not is_open(vote_round, now):
        raise Closed()
    project = await project_of(uow, round_id, project_id)
    assert user is not None
    await uow.votes.cast(round_id, user.telegram_id, project_id, now)
    return project


async def add_paper(
    uow: UnitOfWork, staff_id: int, round_id: int, project_id: int, ballots: int, note: str, now: datetime
) -> VoteProject:
    vote_round = await round_for_staff(uow, staff_id, round_id)
    if not takes_paper(vote_round):
        raise Closed()
    project = await project_of(uow, round_id, project_id)
    await uow.votes.add_paper(project_id, ballots, note, staff_id, now)
    return project


async def void_last_paper(
    uow: UnitOfWork, staff_id: int, round_id: int, now: datetime
) -> tuple[VoteProject, int, str] | None:
    """Take back the latest batch of paper ballots (typed in by mistake) while the result is unpublished; the
    row is kept, marked void, so the count can be audited. None if there is no batch to take back."""
    vote_round = await round_for_staff(uow, staff_id, round_id)
    if not takes_paper(vote_round):
        raise Closed()
    voided = await uow.votes.void_last_paper(round_id, staff_id, now)
    if voided is None:
        return None
    project_id, ballots, note = voided
    return await project_of(uow, round_id, project_id), ballots, note


async def results(uow: UnitOfWork, vote_round: VoteRound) -> Results:
    projects = await uow.votes.projects(vote_round.id)
    if vote_round.status == "closed":
        rows = frozen_tally(projects)
    else:
        online, paper = await uow.votes.online_counts(vote_round.id), await uow.votes.paper_counts(vote_round.id)
        rows = tally(projects, online, paper, vote_round.winners)
    return Results(vote_round, rows, await uow.votes.paper_notes(vote_round.id))


async def end_voting(uow: UnitOfWork, vote_round: VoteRound, now: datetime) -> VoteRound | None:
    """Residents can no longer vote; paper ballots can still be typed in until the result is published.
    None if voting had already ended."""
    if not await uow.votes.end_voting(vote_round.id, now):
        return None
    return dataclasses.replace(vote_round, status="counting", closes_at=min(vote_round.closes_at, now))


async def publish(uow: UnitOfWork, vote_round: VoteRound, now: datetime) -> Results | None:
    """Count, record the winners and freeze the counts; None if the result was already published.

    Who voted for what is then forgotten: the frozen counts are the result, and the voters (returned, to be
    told the result) are all that is still needed of the ballots."""
    live = await results(uow, vote_round)
    voters = await uow.votes.voters(vote_round.id)
    frozen = [(t.project.id, t.online, t.paper, t.won) for t in live.tallies]
    if not await uow.votes.close(vote_round.id, frozen, now):
        return None
    await uow.votes.forget_ballots(vote_round.id)
    closed = dataclasses.replace(vote_round, status="closed", closes_at=min(vote_round.closes_at, now))
    return Results(closed, live.tallies, live.paper_notes, voters)


async def end_voting_early(uow: UnitOfWork, staff_id: int, round_id: int, now: datetime) -> VoteRound | None:
    return await end_voting(uow, await round_for_staff(uow, staff_id, round_id), now)


async def publish_now(uow: UnitOfWork, staff_id: int, round_id: int, now: datetime) -> Results | None:
    vote_round = await round_for_staff(uow, staff_id, round_id)
    if vote_round.status != "counting":  # voting ends first, so that paper ballots can come in
        raise Closed()
    return await publish(uow, vote_round, now)


@dataclass(frozen=True)
class Due:
    ended: list[VoteRound]  # voting ended just now: staff are asked to type in paper ballots and publish
    published: list[Results]  # left unpublished for PUBLISH_WITHIN: published for them


async def close_due(uow: UnitOfWork, now: datetime) -> Due:
    """Checked by the time-limit loop: rounds whose closing time has passed stop taking votes; rounds that
    staff left unpublished for PUBLISH_WITHIN are published as they stand."""
    ended = [r for r in [await end_voting(uow, v, now) for v in await uow.votes.due(now)] if r is not None]
    published = [
        done for v in await uow.votes.counting_since(now - PUBLISH_WITHIN)
        if (done := await publish(uow, v, now)) is not None
    ]  # fmt: skip
    return Due(ended, published)
