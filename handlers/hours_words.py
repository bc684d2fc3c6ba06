"""Shared words and pieces of the service-hours chat (handlers.hours, handlers.hours_ledger)."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton

from bot.i18n import Translator

HOURS = "hr"  # the callback-data prefix of every service-hours button
EARLIEST = date(2000, 1, 1)  # no period starts before it: a forged 0001-01-01 would overflow Period.since


def duration(t: Translator, minutes: int) -> str:
    """90 → 1小时30分钟 / 1 h 30 min."""
    whole, rest = divmod(minutes, 60)
    if not whole:
        return t("hours.duration_m", minutes=t.number(rest))
    if not rest:
        return t("hours.duration_h", hours=t.number(whole))
    return t("hours.duration_hm", hours=t.number(whole), minutes=t.number(rest))


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def button_day(text: str) -> date | None:
    """yyyymmdd from a button, or None (forged or not a day)."""
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    try:
        return date(number // 10000, number // 100 % 100, number % 100)
    except ValueError:
        return None


def sane_period(first: date | None, last: date | None, today: date) -> tuple[date, date] | None:
    """A period from a button or typed: it starts on or after EARLIEST and no later than today, and it is cut at
    today (hours are never served in the future: a certificate never ends after the day it is issued). None if
    nothing is left of it."""
    if first is None or last is None or first < EARLIEST or first > last:
        return None
    last = min(last, today)
    return (first, last) if first <= last else None
