"""What filing on someone's behalf shows: the keyboards of /family (fm:) and /behalf (ob:), and the line that says
for whom a message is when it is not about its reader."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from core import on_behalf
from handlers.turn import Turn
from storage.behalf import FamilyLink, OfflineResident
from storage.records import RequestRecord

FAMILY = "fm"
BEHALF = "ob"


def _button(text: str, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text, callback_data=data)]


def family_menu(t: Translator, links: Sequence[FamilyLink], me: int, resident: bool) -> InlineKeyboardMarkup:
    rows = []
    for link in links:
        if link.resident_id == me and link.status == "pending":
            rows += decide_rows(t, link.id)
        elif link.resident_id == me:
            other = "own" if link.sees_all else "all"
            rows.append(_button(t(f"family.view_{other}_button", name=link.member_label),
                                f"{FAMILY}:see:{link.id}:{other}"))  # fmt: skip
            rows.append(_button(t("family.end_button", name=link.member_label), f"{FAMILY}:end:{link.id}"))
        else:
            if link.status == "active":
                rows.append(
                    _button(t("behalf.for_button", name=link.resident_label), f"{BEHALF}:for:{link.resident_id}")
                )
                if link.sees_all:
                    rows.append(_button(t("family.their_requests_button", name=link.resident_label),
                                        f"{FAMILY}:view:{link.id}"))  # fmt: skip
            rows.append(_button(t("family.end_button", name=link.resident_label), f"{FAMILY}:end:{link.id}"))
    if resident:
        rows.append(_button(t("family.code_button"), f"{FAMILY}:code"))
    rows.append(_button(t("family.join_button"), f"{FAMILY}:join"))
    return InlineKeyboardMarkup(rows)


def decide_rows(t: Translator, link_id: int) -> list[list[InlineKeyboardButton]]:
    return [
        _button(t("family.yes_own"), f"{FAMILY}:ok:{link_id}:own"),
        _button(t("family.yes_all"), f"{FAMILY}:ok:{link_id}:all"),
        _button(t("family.no"), f"{FAMILY}:no:{link_id}"),
    ]


def end_confirm(t: Translator, link_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [_button(t("family.end_yes"), f"{FAMILY}:endy:{link_id}"), _button(t("family.end_no"), f"{FAMILY}:keep")]
    )


def behalf_menu(t: Translator, family: Sequence[tuple[int, str]], worker: bool) -> InlineKeyboardMarkup:
    rows = [_button(t("behalf.for_button", name=name), f"{BEHALF}:for:{resident_id}") for resident_id, name in family]
    if worker:
        rows.append(_button(t("behalf.find_button"), f"{BEHALF}:find"))
        rows.append(_button(t("behalf.new_button"), f"{BEHALF}:new"))
    return InlineKeyboardMarkup(rows)


def found(t: Translator, people: Sequence[OfflineResident], staff: bool) -> InlineKeyboardMarkup:
    rows = []
    for person in people:
        row = [InlineKeyboardButton(t("behalf.for_button", name=describe(person)),
                                    callback_data=f"{BEHALF}:for:{person.person_id}")]  # fmt: skip
        if staff:
            row.append(
                InlineKeyboardButton(t("behalf.delete_button"), callback_data=f"{BEHALF}:del:{person.person_id}")
            )
        rows.append(row)
    rows.append(_button(t("behalf.new_button"), f"{BEHALF}:new"))
    return InlineKeyboardMarkup(rows)


def describe(person: OfflineResident) -> str:
    """王奶奶 · 3栋 · …5678: enough to tell two people apart, not the whole number."""
    parts = [person.name]
    if person.building:
        parts.append(person.building)
    if person.phone:
        parts.append("…" + person.phone[-4:])
    return " · ".join(parts)


def consent_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [_button(t("behalf.consent_button"), f"{BEHALF}:consent"), _button(t("common.cancel"), f"{BEHALF}:cancel")]
    )


def delete_confirm(t: Translator, person_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            _button(t("behalf.delete_yes"), f"{BEHALF}:dely:{person_id}"),
            _button(t("behalf.delete_no"), f"{BEHALF}:keep"),
        ]
    )


async def for_whom(turn: Turn, t: Translator, request: RequestRecord, viewer_id: int) -> str:
    """ "（为 妈妈 代办）": a message about someone else's request says whose it is."""
    name = await on_behalf.resident_name(turn.tx, request.resident_id, viewer_id) or t("behalf.someone")
    return t("behalf.about", name=name)
