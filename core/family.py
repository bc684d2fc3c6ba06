"""Family links (代办 by a family member): a resident gives a one-time code from their own /family, the family
member enters it with how they call each other, and the link is live only once the resident confirms it in their
own chat. Either side can end it; the resident chooses what the member may see. No Telegram here.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from core.dialog import State
from storage.behalf import FamilyLink
from storage.protocols import UnitOfWork
from storage.records import User, has_chat

# Read out on the phone or copied from a message: digits only; 8 of them (10^8) and at most MAX_TRIES wrong codes
# a day per person make guessing someone's live code hopeless (5 in 10^8 a day at best).
CODE_DIGITS = 8
CODE_LIFETIME = timedelta(days=1)
MAX_TRIES = 5  # wrong (unknown, expired, used or one's own) codes per person in TRIES_WINDOW
TRIES_WINDOW = timedelta(days=1)
MAX_DRAWS = 20  # fresh codes drawn before giving up (a clash needs a code still stored: 1 in 10^8 each)
MAX_LABEL = 20
# The resident's choices when confirming: what the member may see.
SEES_OWN, SEES_ALL = "own", "all"
MENU_STATE = State.MENU.value


class FamilyError(ValueError):
    """A step that cannot be taken; `key` names the locale message that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def can_link(user: User | None) -> bool:
    """Who may give a code, or ask for a link: a consented person with a chat (a resident with a community to give
    one; anyone consented to ask)."""
    return user is not None and user.has_consented and has_chat(user.telegram_id)


def draw_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


async def new_code(uow: UnitOfWork, resident: User, now: datetime, draw: Callable[[], str] = draw_code) -> str:
    """A fresh one-time code for the resident (an older unused one stops working). A code is the table's key and
    stays stored once used or expired until the next purge: a clash with any stored code draws again."""
    if not can_link(resident) or resident.community_id is None:
        raise FamilyError("family.residents_only")
    await uow.behalf.purge_codes(now)  # used and expired codes: nothing needs them any more
    for _ in range(MAX_DRAWS):
        code = draw()
        if await uow.behalf.add_code(code, resident.telegram_id, now + CODE_LIFETIME):
            return code
    raise FamilyError("family.try_again")


def clean_code(text: str) -> str:
    code = "".join(ch for ch in text if not ch.isspace())
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        raise FamilyError("family.bad_code_n")
    return code


def clean_label(text: str) -> str:
    label = " ".join(text.split())
    if not label:
        raise FamilyError("family.empty_label")
    if len(label) > MAX_LABEL:
        raise FamilyError("family.label_too_long")
    return label


async def check_code(uow: UnitOfWork, member: User, code: str, now: datetime) -> int:
    """The resident the code belongs to, before anything is used up; refused for one's own code. Every wrong code
    counts against the member (MAX_TRIES a day), so that saying "unknown" at this step cannot be used to guess."""
    if await uow.behalf.count_tries(member.telegram_id, now - TRIES_WINDOW) >= MAX_TRIES:
        raise FamilyError("family.too_many_tries")
    resident_id = await uow.behalf.code_owner(code, now)
    if resident_id is None or resident_id == member.telegram_id:
        await uow.behalf.add_try(member.telegram_id, now)
    if resident_id is None:
        raise FamilyError("family.unknown_code")
    if resident_id == member.telegram_id:
        raise FamilyError("family.own_code")
    return resident_id


async def ask(
    uow: UnitOfWork, member: User, code: str, member_label: str, resident_label: str, now: datetime
) -> FamilyLink:
    """Use the code up and ask the resident to confirm; the link is pending until they do."""
    if not can_link(member):
        raise FamilyError("family.consent_first")
    await check_code(uow, member, code, now)
    resident_id = await uow.behalf.use_code(code, member.telegram_id, now)
    if resident_id is None:  # used or expired in the meantime
        raise FamilyError("family.unknown_code")
    link_id = await uow.behalf.ask_link(resident_id, member.telegram_id, member_label, resident_label, now)
    if link_id is None:
        raise FamilyError("family.already_linked")
    link = await uow.behalf.link(link_id)
    assert link is not None
    return link


async def decide(uow: UnitOfWork, resident: User, link_id: int, choice: str, now: datetime) -> FamilyLink:
    """The resident's answer: confirm (seeing only what the member files, or also their own) or refuse."""
    if choice not in (SEES_OWN, SEES_ALL, "no"):
        raise FamilyError("common.stale_button")
    approve = choice != "no"
    if not await uow.behalf.decide_link(link_id, resident.telegram_id, approve, choice == SEES_ALL, now):
        raise FamilyError("common.stale_button")  # not theirs, or answered already
    link = await uow.behalf.link(link_id)
    assert link is not None
    return link


async def set_view(uow: UnitOfWork, resident: User, link_id: int, choice: str) -> FamilyLink:
    if choice not in (SEES_OWN, SEES_ALL) or not await uow.behalf.set_sees_all(
        link_id, resident.telegram_id, choice == SEES_ALL
    ):
        raise FamilyError("common.stale_button")
    link = await uow.behalf.link(link_id)
    assert link is not None
    return link


async def end(uow: UnitOfWork, person: User, link_id: int, now: datetime) -> FamilyLink:
    """Either side ends a link (asked or live)."""
    if not await uow.behalf.end_link(link_id, person.telegram_id, now):
        raise FamilyError("common.stale_button")
    link = await uow.behalf.link(link_id)
    assert link is not None
    return link


async def forget(uow: UnitOfWork, person_id: int, now: datetime) -> None:
    """A withdrawal (or the deletion of a resident without chat): their family links and codes go, and an
    unfinished request someone was typing for them is dropped from that filer's chat (back to their menu, which
    leads anyone who is not a resident to their own home)."""
    await uow.behalf.forget_person(person_id)
    for chat_id in await uow.behalf.drafts_for(person_id):
        await uow.dialogs.save(chat_id, MENU_STATE, {}, now)
