"""Keyboards of the intake dialog and of a resident's requests. One question at a time, always a way back."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.i18n import Translator

INTAKE = "in"
REQUEST = "rq"
RATE = "rate"


def _inline(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def _back_cancel_row(t: Translator) -> list[InlineKeyboardButton]:
    return [_inline(t("common.back"), f"{INTAKE}:back"), _inline(t("common.cancel"), f"{INTAKE}:cancel")]


def _reply(rows: Sequence[Sequence[KeyboardButton]], t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [*map(list, rows), [KeyboardButton(t("common.back")), KeyboardButton(t("common.cancel"))]],
        resize_keyboard=True,
        one_time_keyboard=False,
    )


def pick(t: Translator, options: Sequence[Sequence[str | None]]) -> InlineKeyboardMarkup:
    """options: (service_id, name, organisation) — shown as "管道疏通 · 巧手便民维修队"."""
    rows = [
        [_inline(f"{name} · {org}" if org else str(name), f"{INTAKE}:pick:{service_id}")]
        for service_id, name, org in options
    ]
    rows.append([_inline(t("intake.none_of_these"), f"{INTAKE}:pick:none")])
    rows.append(_back_cancel_row(t))
    return InlineKeyboardMarkup(rows)


def when(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_inline(t("when.asap"), f"{INTAKE}:when:asap"), _inline(t("when.today"), f"{INTAKE}:when:today")],
            [_inline(t("when.week"), f"{INTAKE}:when:week"), _inline(t("when.time"), f"{INTAKE}:when:time")],
            _back_cancel_row(t),
        ]
    )


def where(t: Translator, last_address: str | None) -> ReplyKeyboardMarkup:
    rows = [[KeyboardButton(t("intake.send_location"), request_location=True)]]
    if last_address:
        rows.append([KeyboardButton(t("intake.use_last_address"))])
    return _reply(rows, t)


def contact(t: Translator) -> ReplyKeyboardMarkup:
    return _reply(
        [[KeyboardButton(t("intake.share_phone"), request_contact=True)], [KeyboardButton(t("intake.chat_only"))]], t
    )


def note(t: Translator) -> ReplyKeyboardMarkup:
    return _reply([[KeyboardButton(t("intake.skip"))]], t)


def typing_only(t: Translator) -> ReplyKeyboardMarkup:
    return _reply([], t)


def confirm(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_inline(t("intake.submit"), f"{INTAKE}:submit")], _back_cancel_row(t)])


def resume(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_inline(t("intake.resume"), f"{INTAKE}:resume")], [_inline(t("intake.drop"), f"{INTAKE}:drop")]]
    )


def my_requests(t: Translator, cancellable: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup | None:
    if not cancellable:
        return None
    return InlineKeyboardMarkup(
        [[_inline(t("requests.cancel_button", reference=ref), f"{REQUEST}:cancel:{rid}")] for rid, ref in cancellable]
    )


def confirm_cancel(t: Translator, request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_inline(t("requests.cancel_yes"), f"{REQUEST}:cancel_yes:{request_id}")],
            [_inline(t("requests.cancel_no"), f"{REQUEST}:cancel_no:{request_id}")],
        ]
    )


def rating(t: Translator, request_id: int) -> InlineKeyboardMarkup:
    stars = [_inline("⭐" * n, f"{RATE}:{request_id}:{n}") for n in range(1, 6)]
    return InlineKeyboardMarkup(
        [stars[:3], stars[3:], [_inline(t("rating.unsolved"), f"{RATE}:{request_id}:unsolved")]]
    )
