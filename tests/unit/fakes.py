"""Small in-memory fakes of the storage Protocols, for testing core rules without SQLite."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from storage.errors import StaleDialog
from storage.protocols import NeedCount, NeedFact
from storage.records import (
    Candidate,
    Community,
    DialogState,
    HistoryEntry,
    NewRequest,
    Offer,
    OfferFact,
    Provider,
    RequestRecord,
    ServiceRecord,
    User,
    VoteProject,
    VoteRound,
)


class FakeUsers:
    def __init__(self) -> None:
        self.rows: dict[int, User] = {}
        self.role_communities: dict[tuple[int, str], int | None] = {}

    async def get(self, telegram_id: int) -> User | None:
        return self.rows.get(telegram_id)

    async def create(self, telegram_id: int, locale: str, now: datetime) -> User:
        return self.rows.setdefault(telegram_id, User(telegram_id, locale))

    def _update(self, telegram_id: int, **changes: Any) -> None:
        if telegram_id in self.rows:
            self.rows[telegram_id] = dataclasses.replace(self.rows[telegram_id], **changes)

    async def set_locale(self, telegram_id: int, locale: str, now: datetime) -> None:
        self._update(telegram_id, locale=locale)

    async def set_consent(self, telegram_id: int, consent_at: datetime | None, now: datetime) -> None:
        self._update(telegram_id, consent_at=consent_at)

    async def set_declined(self, telegram_id: int, declined_at: datetime | None, now: datetime) -> None:
        self._update(telegram_id, consent_declined_at=declined_at)

    async def set_community(self, telegram_id: int, community_id: int | None, now: datetime) -> None:
        self._update(telegram_id, community_id=community_id)

    async def set_blocked(self, telegram_id: int, blocked_at: datetime | None, now: datetime) -> None:
        self._update(telegram_id, blocked_at=blocked_at)

    async def grant_role(self, telegram_id: int, role: str, now: datetime, community_id: int | None = None) -> None:
        self._update(telegram_id, roles=self.rows[telegram_id].roles | {role})
        self.role_communities[(telegram_id, role)] = community_id

    async def role_community(self, telegram_id: int, role: str) -> int | None:
        if role not in (user := self.rows.get(telegram_id, User(0, ""))).roles:
            return None
        return self.role_communities.get((telegram_id, role), user.community_id)

    async def revoke_role(self, telegram_id: int, role: str) -> None:
        self._update(telegram_id, roles=self.rows[telegram_id].roles - {role})

    async def with_role(self, role: str, community_id: int | None = None) -> list[int]:
        return [uid for uid, user in sorted(self.rows.items()) if role in user.roles
                and (community_id is None or await self.role_community(uid, role) == community_id)]  # fmt: skip

    async def set_building(self, telegram_id: int, building: str | None, now: datetime) -> None:
        self._update(telegram_id, building=building)

    async def forget_personal_data(self, telegram_id: int, now: datetime) -> None:
        user = self.rows[telegram_id]
        self._update(telegram_id, community_id=None, consent_at=None, roles=user.roles - {"resident"})


class FakeCommunities:
    def __init__(self, names: Sequence[str] = ()) -> None:
        self.rows = [Community(i + 1, name) for i, name in enumerate(names)]
        self.staffed: set[int] = set()  # ids of communities with staff, for with_staff

    async def add(self, name: str, now: datetime, district: str | None = None) -> Community:
        found = await self.by_name(name)
        if found:
            return found
        self.rows.append(Community(len(self.rows) + 1, name, district))
        return self.rows[-1]

    async def get(self, community_id: int) -> Community | None:
        return next((c for c in self.rows if c.id == community_id), None)

    async def by_name(self, name: str) -> Community | None:
        return next((c for c in self.rows if c.name == name), None)

    async def list_all(self) -> Sequence[Community]:
        return list(self.rows)

    async def with_staff(self) -> Sequence[Community]:
        return [c for c in sorted(self.rows, key=lambda c: c.name) if c.id in self.staffed]


class FakeDialogs:
    def __init__(self) -> None:
        self.rows: dict[int, DialogState] = {}

    async def get(self, chat_id: int) -> DialogState | None:
        return self.rows.get(chat_id)

    async def save(
        self, chat_id: int, state: str, data: Mapping[str, Any], now: datetime, *, expected_version: int | None = None
    ) -> DialogState:
        current = self.rows[chat_id].version if chat_id in self.rows else 0
        if expected_version is not None and expected_version != current:
            raise StaleDialog(chat_id, expected_version)
        version = current + 1
        self.rows[chat_id] = DialogState(chat_id, state, dict(data), version)
        return self.rows[chat_id]

    async def clear(self, chat_id: int) -> None:
        self.rows.pop(chat_id, None)


class FakeUnitOfWork:
    def __init__(self, communities: Sequence[str] = ()) -> None:
        self.users = FakeUsers()
        self.communities = FakeCommunities(communities)
        self.dialogs = FakeDialogs()
        self.catalog = FakeCatalog()
        self.requests = FakeRequests()
        self.providers = FakeProviders(self.requests)
        self.reports = FakeReports()
        self.votes = FakeVotes()


class FakeCatalog:
    def __init__(self) -> None:
        self.rows: dict[str, ServiceRecord] = {}
        self.organizations: set[str] = set()
        self.counter = 0

    async def version(self) -> int:
        return self.counter

    async def bump_version(self) -> int:
        self.counter += 1
        return self.counter

    async def services(self, *, include_inactive: bool = True) -> Sequence[ServiceRecord]:
        return [r for _, r in sorted(self.rows.items()) if include_inactive or r.active]

    async def upsert(self, service: ServiceRecord, now: datetime) -> None:
        if service.organization:
            self.organizations.add(service.organization)
        self.rows[service.service_id] = service

    async def deactivate_except(self, keep: Iterable[str], now: datetime) -> list[str]:
        kept = set(keep)
        gone = sorted(sid for sid, r in self.rows.items() if r.active and sid not in kept)
        for sid in gone:
            self.rows[sid] = dataclasses.replace(self.rows[sid], active=False)
        return gone

    async def organization_names(self) -> set[str]:
        return set(self.organizations)


class FakeRequests:
    """Enough of RequestRepository for the lifecycle rules."""

    def __init__(self) -> None:
        self.rows: dict[int, RequestRecord] = {}
        self.log: list[HistoryEntry] = []
        self.files: list[tuple[int, str, str]] = []

    async def count_references(self, prefix: str) -> int:
        return sum(1 for r in self.rows.values() if r.reference.startswith(prefix))

    async def add(self, new: NewRequest, reference: str, status: str, now: datetime) -> RequestRecord:
        record = RequestRecord(
            id=len(self.rows) + 1, reference=reference, status=status, created_at=now, updated_at=now,
            **{f.name: getattr(new, f.name) for f in dataclasses.fields(NewRequest)},
        )  # fmt: skip
        self.rows[record.id] = record
        return record

    async def get(self, request_id: int) -> RequestRecord | None:
        return self.rows.get(request_id)

    async def set_status(self, request_id: int, status: str, now: datetime) -> None:
        self.rows[request_id] = dataclasses.replace(self.rows[request_id], status=status, updated_at=now)

    async def add_history(self, entry: HistoryEntry) -> None:
        self.log.append(entry)

    async def history(self, request_id: int) -> Sequence[HistoryEntry]:
        return [e for e in self.log if e.request_id == request_id]

    async def attach(self, request_id: int, kind: str, file_id: str, now: datetime) -> None:
        self.files.append((request_id, kind, file_id))


class FakeProviders:
    """Providers over the fake requests: `eligible` lists who may be offered anything."""

    def __init__(self, requests: FakeRequests) -> None:
        self.requests = requests
        self.eligible: list[Candidate] = []
        self.rows: dict[int, Provider] = {}
        self.offer_rows: list[Offer] = []
        self.facts: dict[int, list[OfferFact]] = {}  # by community id, for offer_facts

    async def upsert(self, provider: Provider, organization_id: int | None, now: datetime) -> None:
        self.rows[provider.telegram_id] = provider

    async def get(self, telegram_id: int) -> Provider | None:
        return self.rows.get(telegram_id)

    async def set_on_duty(self, telegram_id: int, on_duty: bool) -> None:
        self.rows[telegram_id] = dataclasses.replace(self.rows[telegram_id], on_duty=on_duty)

    async def candidates(self, service_id: str, community_id: int, request_id: int) -> Sequence[Candidate]:
        offered = {o.provider_id for o in self.offer_rows if o.request_id == request_id}
        return [c for c in self.eligible if c.telegram_id not in offered]

    async def add_offer(self, request_id: int, provider_id: int, outbox_id: int | None, now: datetime) -> int:
        self.offer_rows.append(Offer(len(self.offer_rows) + 1, request_id, provider_id, outbox_id, None))
        return len(self.offer_rows)

    async def offers(self, request_id: int) -> Sequence[Offer]:
        return [o for o in self.offer_rows if o.request_id == request_id]

    async def answer_offer(self, request_id: int, provider_id: int, answer: str, now: datetime) -> bool:
        for i, o in enumerate(self.offer_rows):
            if o.request_id == request_id and o.provider_id == provider_id and o.answer is None:
                self.offer_rows[i] = dataclasses.replace(o, answer=answer)
                return True
        return False

    async def close_open_offers(self, request_id: int, answer: str, now: datetime) -> Sequence[Offer]:
        closed = [o for o in self.offer_rows if o.request_id == request_id and o.answer is None]
        self.offer_rows = [dataclasses.replace(o, answer=answer) if o in closed else o for o in self.offer_rows]
        return closed

    async def claim(self, request_id: int, provider_id: int, now: datetime) -> bool:
        request = self.requests.rows[request_id]
        if request.provider_id is not None or request.status != "dispatched":
            return False
        self.requests.rows[request_id] = dataclasses.replace(request, provider_id=provider_id)
        return True

    async def release(self, request_id: int, now: datetime) -> None:
        self.requests.rows[request_id] = dataclasses.replace(self.requests.rows[request_id], provider_id=None)

    async def outbox_message_id(self, outbox_id: int) -> int | None:
        return None

    async def offer_facts(
        self, since: datetime, until: datetime, community_id: int | None = None, provider_id: int | None = None
    ) -> Sequence[OfferFact]:
        chosen = self.facts.values() if community_id is None else [self.facts.get(community_id, [])]
        return [f for facts in chosen for f in facts if since <= f.offered_at < until
                and (provider_id is None or f.provider_id == provider_id)]  # fmt: skip


class FakeReports:
    """The needs book's reads over `needs_rows` (by community id)."""

    def __init__(self) -> None:
        self.needs_rows: dict[int, list[NeedFact]] = {}

    async def needs(self, community_id: int, since: datetime, until: datetime) -> Sequence[NeedFact]:
        return [f for f in self.needs_rows.get(community_id, []) if since <= f.submitted_at < until]

    async def need_counts(
        self, community_id: int, statuses: Sequence[str], since: datetime, until: datetime
    ) -> Sequence[NeedCount]:
        return [NeedCount(f.category, 1, f.submitted_at) for f in await self.needs(community_id, since, until)
                if f.status in statuses]  # fmt: skip

    async def directory(self, community_id: int) -> Sequence[ServiceRecord]:
        return []


class FakeVotes:
    """Rounds, projects and votes in dicts; enough for the rules in core/votes.py."""

    def __init__(self) -> None:
        self.round_rows: dict[int, VoteRound] = {}
        self.project_rows: dict[int, VoteProject] = {}
        self.ballots: dict[tuple[int, int], int] = {}  # (round, voter) -> project
        self.paper: list[tuple[int, int, str]] = []

    async def create_round(
        self, community_id: int, title: str, winners: int, closes_at: datetime, created_by: int, now: datetime
    ) -> int:
        round_id = len(self.round_rows) + 1
        self.round_rows[round_id] = VoteRound(round_id, community_id, title, winners, "open", closes_at, created_by)
        return round_id

    async def add_project(
        self, round_id: int, position: int, title: str, organization: str, budget_yuan: int, description: str
    ) -> int:
        project_id = len(self.project_rows) + 1
        self.project_rows[project_id] = VoteProject(project_id, round_id, position, title, organization, budget_yuan,
                                                    description)  # fmt: skip
        return project_id

    async def get_round(self, round_id: int) -> VoteRound | None:
        return self.round_rows.get(round_id)

    async def rounds(self, community_id: int, limit: int) -> Sequence[VoteRound]:
        return [r for r in self.round_rows.values() if r.community_id == community_id][:limit]

    async def projects(self, round_id: int) -> Sequence[VoteProject]:
        return sorted((p for p in self.project_rows.values() if p.round_id == round_id), key=lambda p: p.position)

    async def vote_of(self, round_id: int, voter_id: int) -> int | None:
        return self.ballots.get((round_id, voter_id))

    async def cast(self, round_id: int, voter_id: int, project_id: int, now: datetime) -> None:
        self.ballots[(round_id, voter_id)] = project_id

    async def online_counts(self, round_id: int) -> dict[int, int]:
        counts: dict[int, int] = {}
        for (rid, _), pid in self.ballots.items():
            if rid == round_id:
                counts[pid] = counts.get(pid, 0) + 1
        return counts

    async def paper_counts(self, round_id: int) -> dict[int, int]:
        counts: dict[int, int] = {}
        for pid, ballots, _ in self.paper:
            if self.project_rows[pid].round_id == round_id:
                counts[pid] = counts.get(pid, 0) + ballots
        return counts

    async def add_paper(self, project_id: int, ballots: int, note: str, added_by: int, now: datetime) -> None:
        self.paper.append((project_id, ballots, note))

    async def void_last_paper(self, round_id: int, staff_id: int, now: datetime) -> tuple[int, int, str] | None:
        for i in range(len(self.paper) - 1, -1, -1):
            if self.project_rows[self.paper[i][0]].round_id == round_id:
                return self.paper.pop(i)
        return None

    async def paper_notes(self, round_id: int) -> Sequence[tuple[int, int, str]]:
        return [row for row in self.paper if self.project_rows[row[0]].round_id == round_id]

    async def due(self, now: datetime) -> Sequence[VoteRound]:
        return [r for r in self.round_rows.values() if r.status == "open" and r.closes_at <= now]

    async def end_voting(self, round_id: int, now: datetime) -> bool:
        found = self.round_rows[round_id]
        if found.status != "open":
            return False
        self.round_rows[round_id] = dataclasses.replace(found, status="counting", closes_at=min(found.closes_at, now))
        return True

    async def counting_since(self, ended_before: datetime) -> Sequence[VoteRound]:
        return [r for r in self.round_rows.values() if r.status == "counting" and r.closes_at <= ended_before]

    async def close(self, round_id: int, tallies: Sequence[tuple[int, int, int, bool]], now: datetime) -> bool:
        if self.round_rows[round_id].status == "closed":
            return False
        closes_at = min(self.round_rows[round_id].closes_at, now)
        self.round_rows[round_id] = dataclasses.replace(self.round_rows[round_id], status="closed", closes_at=closes_at)
        for pid, online, paper, won in tallies:
            self.project_rows[pid] = dataclasses.replace(self.project_rows[pid], final_online=online,
                                                         final_paper=paper, won=won)  # fmt: skip
        return True

    async def voters(self, round_id: int) -> Sequence[tuple[int, str]]:
        return [(voter, "zh_CN") for (rid, voter) in self.ballots if rid == round_id]

    async def forget_ballots(self, round_id: int) -> None:
        self.ballots = {key: pid for key, pid in self.ballots.items() if key[0] != round_id}
