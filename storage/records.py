"""Plain records that repositories return. Storage owns them so that it imports nothing of ours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_db_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    return value.astimezone(UTC).isoformat(timespec="seconds")


def from_db_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def db_time(value: object) -> datetime:
    """A NOT NULL time column as read from either backend."""
    parsed = from_db_time(str(value))
    assert parsed is not None
    return parsed


def int_or_none(value: object) -> int | None:
    """A nullable integer column as read from either backend."""
    return None if value is None else int(str(value))


@dataclass(frozen=True, slots=True)
class Community:
    id: int
    name: str
    district: str | None = None


@dataclass(frozen=True, slots=True)
class User:
    telegram_id: int
    locale: str
    community_id: int | None = None
    consent_at: datetime | None = None
    consent_declined_at: datetime | None = None
    blocked_at: datetime | None = None
    roles: frozenset[str] = frozenset()
    building: str | None = None  # a resident's building, if they gave it (/building)

    @property
    def has_consented(self) -> bool:
        return self.consent_at is not None


@dataclass(frozen=True, slots=True)
class DialogState:
    chat_id: int
    state: str
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0


@dataclass(frozen=True, slots=True)
class QueuedUpdate:
    """An update as received, kept until processed (bot.updates)."""

    update_id: int
    chat_key: int  # the chat (or person) whose turns must stay in order
    payload: str  # Telegram's JSON


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """A catalogue row as stored; core.catalog.ServiceEntry has the same fields."""

    service_id: str
    name: str
    category: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    organization: str | None = None
    communities: tuple[str, ...] = ()
    eligibility: str = ""
    active: bool = True
    other_categories: tuple[str, ...] = ()  # beyond `category`, the main one (migration 0015)
    phone: str = ""
    address: str = ""
    hours: str = ""
    fee: str = ""


@dataclass(frozen=True, slots=True)
class CategoryRecord:
    """A service category as stored: the built-in ones (seeded by migration 0015) and those imports created."""

    code: str
    name_zh: str
    name_en: str
    builtin: bool = False


@dataclass(frozen=True, slots=True)
class RequestRecord:
    id: int
    reference: str
    resident_id: int
    community_id: int
    service_id: str | None
    need_text: str
    status: str
    created_at: datetime
    updated_at: datetime
    when_code: str = "asap"
    when_text: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    contact_phone: str | None = None
    note: str | None = None
    provider_id: int | None = None
    rating: int | None = None
    rating_comment: str | None = None


@dataclass(frozen=True, slots=True)
class NewRequest:
    """What intake collected; the reference and the status are decided by core."""

    resident_id: int
    community_id: int
    service_id: str | None
    need_text: str
    when_code: str = "asap"
    when_text: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    contact_phone: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    request_id: int
    at: datetime
    actor_id: int | None
    from_status: str | None
    to_status: str
    note: str | None = None
    on_behalf_of: int | None = None  # the resident the actor acted for (代办, migration 0024)


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    chat_id: int
    text: str
    reply_markup: dict[str, Any] | None
    attempts: int
    photo: str | None = None  # a Telegram file_id: sent with sendPhoto, the text as its caption
    edit_message_id: int | None = None  # set: edit this message of the chat instead of sending a new one
    edit_outbox_id: int | None = None  # set: an edit of the message another row became (None above: it never was)


# WeChat people's user ids (and chat ids) start here: above Telegram's ids (at most 52 significant bits), below
# 2**63; see migration 0021.
WECHAT_ID_BASE = 1 << 53


# Residents without a chat (recorded by a grid worker or staff, migration 0024) have ids in [2**52, 2**53): no
# Telegram user id reaches it and WeChat's start above it. Nothing is ever sent to such an id.
OFFLINE_ID_BASE = 1 << 52


def has_chat(person_id: int) -> bool:
    """False for a resident without a chat: messages about them go to whoever answers for them."""
    return not OFFLINE_ID_BASE <= person_id < WECHAT_ID_BASE


def channel_of(person_id: int) -> str:
    """The channel a person talks to us through: "wechat", or "" for Telegram."""
    return "wechat" if person_id >= WECHAT_ID_BASE else ""


@dataclass(frozen=True, slots=True)
class WeChatPerson:
    person_id: int  # their Sanshe user id (and chat id)
    account: str  # the 客服账号 or 服务号 they write to
    external_id: str
    last_inbound_at: datetime | None
    window_sends: int
    notified_at: datetime | None
    welcome_code: str | None = None
    welcome_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """What a turn tells someone, written to the outbox in the turn's transaction (see handlers/turn.py)."""

    chat_id: int
    text: str
    reply_markup: dict[str, Any] | None = None
    edit_message_id: int | None = None


@dataclass(frozen=True, slots=True)
class Provider:
    telegram_id: int
    kind: str
    display_name: str
    organization: str | None = None
    supervisor_id: int | None = None
    on_duty: bool = True
    service_ids: tuple[str, ...] = ()
    community_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible provider for one request, with what the ranking looks at."""

    telegram_id: int
    open_tasks: int
    mean_rating: float | None
    mean_response_minutes: float | None = None


@dataclass(frozen=True, slots=True)
class Offer:
    id: int
    request_id: int
    provider_id: int
    outbox_id: int | None
    answer: str | None


@dataclass(frozen=True, slots=True)
class OpenRound:
    """A dispatched request whose latest offers are still unanswered."""

    request_id: int
    last_offered_at: datetime
    category: str | None
    when_code: str


@dataclass(frozen=True, slots=True)
class OfferFact:
    """One push and how it went, with what performance figures need (see core.stats)."""

    provider_id: int
    provider_name: str
    organization: str | None
    community: str
    offered_at: datetime
    answer: str | None
    answered_at: datetime | None
    done_at: datetime | None  # when the request was done, if this provider had it
    rating: int | None  # the resident's rating, if this provider had it


@dataclass(frozen=True, slots=True)
class Application:
    """A provider's ask to serve a community they were not invited to; its staff approve or refuse it."""

    id: int
    provider_id: int
    community_id: int
    status: str  # 'pending', 'approved' or 'refused'
    invited_by: int | None = None
    decided_by: int | None = None


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    kind: str
    organization: str | None
    community_id: int
    created_by: int
    expires_at: datetime
    used_by: int | None = None


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    community_id: int
    created_by: int
    text: str
    audience: str
    status: str
    total: int
    progress_message_id: int | None
    reported: int


@dataclass(frozen=True, slots=True)
class BroadcastCounts:
    pending: int
    sent: int
    failed: int
    blocked: int


@dataclass(frozen=True, slots=True)
class VoteRound:
    id: int
    community_id: int
    title: str
    winners: int  # how many projects will be funded
    status: str  # 'open' or 'closed'
    closes_at: datetime
    created_by: int


@dataclass(frozen=True, slots=True)
class VoteProject:
    id: int
    round_id: int
    position: int  # 1, 2, … as residents see them listed
    title: str
    organization: str
    budget_yuan: int
    description: str = ""
    won: bool = False
    final_online: int | None = None  # counts frozen at closing; None while the round is open
    final_paper: int | None = None
