"""Resident onboarding rules: language, consent, community. No Telegram here.

Privacy rule: before consent we keep only the Telegram id, the language and the dialog state. Saying
"no" wipes anything else and is reversible: the person can consent later, or withdraw at any time.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from core.dialog import State
from core.people import PROVIDER_KINDS, STAFF, STREET
from storage.protocols import UnitOfWork
from storage.records import User

RESIDENT = "resident"
ADMIN = "admin"
WORK_ROLES = frozenset({*PROVIDER_KINDS, STAFF, STREET})  # a street office works here too, over its communities


class UnknownCommunity(LookupError):
    pass


def works_here(user: User) -> bool:
    """A provider, community staff or a street office (registered by others, not by the person)."""
    return bool(user.roles & WORK_ROLES)


def next_step(user: User) -> State:
    """Where an existing user stands in onboarding (MENU once done; WORK for a provider or staff member who said
    they do not live in any of the communities)."""
    if not user.has_consented:
        return State.CONSENT
    if user.community_id is None:
        return State.WORK if works_here(user) and RESIDENT not in user.roles else State.COMMUNITY
    return State.MENU


async def begin(
    uow: UnitOfWork, telegram_id: int, guessed_locale: str, now: datetime, admin_ids: Collection[int] = ()
) -> tuple[User, State]:
    """/start: a new person first picks a language; a known one resumes where they stood."""
    user = await uow.users.get(telegram_id)
    if user is None:
        user = await uow.users.create(telegram_id, guessed_locale, now)
        if telegram_id in admin_ids:
            await uow.users.grant_role(telegram_id, ADMIN, now)
            user = await _reload(uow, telegram_id)
        return user, State.LANGUAGE
    if telegram_id in admin_ids and ADMIN not in user.roles:
        await uow.users.grant_role(telegram_id, ADMIN, now)
        user = await _reload(uow, telegram_id)
    return user, next_step(user)


async def choose_language(uow: UnitOfWork, user: User, locale: str, now: datetime) -> User:
    await uow.users.set_locale(user.telegram_id, locale, now)
    return await _reload(uow, user.telegram_id)


async def give_consent(uow: UnitOfWork, user: User, now: datetime) -> tuple[User, State]:
    if not user.has_consented:
        await uow.users.set_consent(user.telegram_id, now, now)
    await uow.users.set_declined(user.telegram_id, None, now)
    await uow.users.grant_role(user.telegram_id, RESIDENT, now)
    user = await _reload(uow, user.telegram_id)
    return user, next_step(user)


async def decline_consent(uow: UnitOfWork, user: User, now: datetime) -> User:
    """Saying no (or withdrawing) forgets everything but the id and the language."""
    await uow.users.forget_personal_data(user.telegram_id, now)
    await uow.users.set_declined(user.telegram_id, now, now)
    return await _reload(uow, user.telegram_id)


async def choose_community(uow: UnitOfWork, user: User, community_id: int, now: datetime) -> User:
    if not user.has_consented:
        raise PermissionError("a community is personal data: consent comes first")
    community = await uow.communities.get(community_id)
    if community is None:
        raise UnknownCommunity(community_id)
    await uow.users.set_community(user.telegram_id, community.id, now)
    if RESIDENT not in user.roles:  # someone who had said they only work here, joining from a poster after all
        await uow.users.grant_role(user.telegram_id, RESIDENT, now)
    return await _reload(uow, user.telegram_id)


async def work_only(uow: UnitOfWork, user: User, now: datetime) -> User:
    """A provider or staff member who does not live in any of the communities: not a resident (no resident's
    menu, requests, votes or announcements for residents), and never asked for a community again."""
    if not user.has_consented or not works_here(user):
        raise PermissionError("only a provider or staff member who has consented may skip the community")
    await uow.users.revoke_role(user.telegram_id, RESIDENT)
    await uow.users.set_community(user.telegram_id, None, now)
    return await _reload(uow, user.telegram_id)


async def _reload(uow: UnitOfWork, telegram_id: int) -> User:
    user = await uow.users.get(telegram_id)
    if user is None:
        raise LookupError(f"user {telegram_id} vanished inside the transaction")
    return user
