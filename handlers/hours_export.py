"""/hours for community staff: their community's service hours per organisation and per person as a file (Excel,
an A4 page, CSV), made by core.exports.hours exactly as `sanshe export hours` makes it. Like /export: the period
is the last 30 days, or `/hours 2026-01-01 2026-06-30`; the button carries the format and the period, and whose
community it is comes from the presser's own staff role, never from the button."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core import broadcast
from core.exports import Period, PeriodError, default_file_name, make_period, parse_day
from core.exports.as_bytes import report_bytes
from core.exports.hours import hours_report
from handlers.callback_data import Callback
from handlers.hours_words import button_day, sane_period
from handlers.turn import Turn
from storage.records import Community

HOURS = "hr"
FORMATS = ("xlsx", "html", "csv")


async def _own_community(turn: Turn) -> Community | None:
    try:
        community_id = await turn.staff_community()
    except broadcast.NotAllowed:
        return None
    return await turn.tx.communities.get(community_id)


def _period(args: list[str], turn: Turn) -> Period | None:
    today = turn.now.astimezone(turn.services.i18n.tz).date()
    if len(args) > 2:
        return None
    try:
        days = [parse_day(arg) for arg in args]
        return make_period(days[0] if days else None, days[1] if len(days) > 1 else None, today,
                           turn.services.i18n.tz)  # fmt: skip
    except PeriodError:
        return None


async def offer(turn: Turn, args: list[str], alone: bool) -> bool:
    """Staff: the export buttons for the period asked (True). Anyone else: nothing said (False)."""
    community = await _own_community(turn)
    if community is None:
        return False
    t = turn.t
    period = _period(args, turn)
    if period is None:
        turn.say(t("export.bad_dates"))
        return True
    today = turn.now.astimezone(turn.services.i18n.tz).date()
    days_asked = sane_period(period.first, period.last, today)
    if days_asked is None:
        turn.say(t("export.bad_dates"))
        return True
    period = Period(*days_asked, turn.services.i18n.tz)
    days = f"{period.first:%Y%m%d}:{period.last:%Y%m%d}"
    rows = [[InlineKeyboardButton(f"{t('hours.export_book')} · {t(f'export.format_{fmt}')}",
                                  callback_data=f"{HOURS}:x:{fmt}:{days}")] for fmt in FORMATS]  # fmt: skip
    turn.say(t("hours.export_choose", community=community.name, period=t.days(period.first, period.last, "yMMMd")),
             InlineKeyboardMarkup(rows))  # fmt: skip
    return True


async def pressed(turn: Turn, data: Callback) -> None:
    """hr:x:<fmt>:<yyyymmdd>:<yyyymmdd>."""
    t = turn.t
    community = await _own_community(turn)
    if community is None:
        turn.answer(t("export.not_allowed"), alert=True)
        return
    fmt = data.part(1)
    today = turn.now.astimezone(turn.services.i18n.tz).date()
    period_days = sane_period(button_day(data.part(2)), button_day(data.part(3)), today)
    if fmt not in FORMATS or len(data.parts) != 4 or period_days is None:
        turn.answer(t("hours.bad_button_period"), alert=True)
        return
    first, last = period_days
    period = Period(first, last, turn.services.i18n.tz)
    report = await hours_report(turn.tx.hours, community, period, turn.now, t)
    name = default_file_name(community.name, t("hours.x_file"), f"{first:%Y%m%d}-{last:%Y%m%d}", fmt=fmt)
    count = len(report.table.rows)
    caption = t.plural("hours.export_caption", count, community=community.name, count=t.number(count),
                       period=t.days(first, last, "yMMMd"))  # fmt: skip
    turn.document(lambda: report_bytes(report, fmt), name, caption)
    turn.answer(t("export.making"))
