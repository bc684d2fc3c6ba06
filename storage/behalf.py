"""Records and the repository Protocol of filing on someone's behalf (代办, migration 0024): family links, the
one-time codes that start them, residents without a chat, and who filed a request for whom."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from storage.records import RequestRecord


@dataclass(frozen=True, slots=True)
class FamilyLink:
    id: int
    resident_id: int
    member_id: int
    member_label: str  # how the member called themselves (女儿 小红): what the resident reads
    resident_label: str  # how the member calls the resident (妈妈): what the member reads
    status: str  # 'pending', 'active', 'refused' or 'ended'
    sees_all: bool  # the member may also see the resident's own requests


@dataclass(frozen=True, slots=True)
class OfflineResident:
    """A resident without a chat, recorded by a grid worker or staff of their community."""

    person_id: int  # storage.records.OFFLINE_ID_BASE + row id
    community_id: int
    name: str
    phone: str | None
    address: str | None
    building: str | None
    recorded_by: int
    consent_confirmed_by: int
    consent_confirmed_at: datetime


@dataclass(frozen=True, slots=True)
class Filing:
    """Who filed a request and who answers for its resident (both None: the resident did it themself)."""

    filed_by: int | None
    proxy_id: int | None
    rated_by: int | None


class BehalfRepository(Protocol):
    # -- family links
    async def purge_codes(self, now: datetime) -> None: ...
    async def add_code(self, code: str, resident_id: int, expires_at: datetime) -> bool: ...
    async def count_tries(self, member_id: int, since: datetime) -> int: ...
    async def add_try(self, member_id: int, now: datetime) -> None: ...
    async def use_code(self, code: str, member_id: int, now: datetime) -> int | None: ...
    async def code_owner(self, code: str, now: datetime) -> int | None: ...
    async def ask_link(
        self, resident_id: int, member_id: int, member_label: str, resident_label: str, now: datetime
    ) -> int | None: ...
    async def link(self, link_id: int) -> FamilyLink | None: ...
    async def decide_link(
        self, link_id: int, resident_id: int, approve: bool, sees_all: bool, now: datetime
    ) -> bool: ...
    async def set_sees_all(self, link_id: int, resident_id: int, sees_all: bool) -> bool: ...
    async def end_link(self, link_id: int, by: int, now: datetime) -> bool: ...
    async def links_of(self, person_id: int) -> Sequence[FamilyLink]: ...
    async def active_link(self, resident_id: int, member_id: int) -> FamilyLink | None: ...
    # -- residents without a chat
    async def add_offline(
        self, community_id: int, name: str, phone: str | None, address: str | None, building: str | None,
        recorded_by: int, now: datetime,
    ) -> int: ...  # fmt: skip
    async def offline(self, person_id: int) -> OfflineResident | None: ...
    async def search_offline(self, community_id: int, words: str, limit: int) -> Sequence[OfflineResident]: ...
    async def delete_offline(self, person_id: int) -> None: ...
    # -- requests filed for someone
    async def mark_filed(self, request_id: int, filed_by: int, proxy_id: int | None) -> None: ...
    async def filing(self, request_id: int) -> Filing: ...
    async def set_rated_by(self, request_id: int, rated_by: int) -> None: ...
    async def filed_by(self, filer_id: int, limit: int) -> Sequence[RequestRecord]: ...
    # -- erasure
    async def forget_person(self, person_id: int) -> None: ...
    async def drafts_for(self, resident_id: int) -> Sequence[int]: ...
    async def links_export(self, person_id: int) -> list[dict[str, Any]]: ...
