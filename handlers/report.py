"""/report for community staff: this week's or this month's needs by category, and each organisation's
response, resolution and satisfaction, as a chart with the headline figures in its caption.

`/report` offers 本周 / 本月 as buttons; `/report week|month` answers at once. The figures are read inside the
turn's transaction; the chart is drawn after the commit, in a worker thread (Turn.photo).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import charts
from bot.i18n import Translator
from core import broadcast, reports, stats
from handlers import street
from handlers.context import SansheContext
from handlers.needs import category_label
from handlers.turn import Turn, turn_handler

REPORT = "rp"
ARGUMENTS = {
    "week": reports.WEEK, "本周": reports.WEEK, "lastweek": reports.LAST_WEEK, "上周": reports.LAST_WEEK,
    "month": reports.MONTH, "本月": reports.MONTH, "lastmonth": reports.LAST_MONTH, "上月": reports.LAST_MONTH,
}  # fmt: skip


def _keyboard(t: Translator) -> InlineKeyboardMarkup:
    rows = ((reports.WEEK, reports.LAST_WEEK), (reports.MONTH, reports.LAST_MONTH))
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(f"report.{kind}"), callback_data=f"{REPORT}:{kind}") for kind in row] for row in rows]
    )


def _bucket_label(t: Translator, kind: str, bucket: reports.Bucket) -> str:
    if reports.span(kind) == reports.WEEK:
        return f"{t.day(bucket.first)}\n{t.day(bucket.first, 'EEE')}"
    return t.day(bucket.first) if bucket.first == bucket.last else t.days(bucket.first, bucket.last)


def _value(t: Translator, value: float | None, percent: bool = False) -> str:
    if value is None:
        return t("stats.na")
    return t.percent(value) if percent else t.number(round(value, 1))


def _organization(t: Translator, f: stats.Figures) -> charts.OrganizationBars:
    texts = (_value(t, f.response_rate, True), _value(t, f.resolution_rate, True), _value(t, f.satisfaction))
    return charts.OrganizationBars(f.name, f.response_rate, f.resolution_rate, f.satisfaction, texts)


def _chart(t: Translator, title: str, report: reports.PeriodReport) -> charts.ReportChart:
    return charts.ReportChart(
        title=title,
        needs_title=t("report.chart_needs"),
        bucket_labels=[_bucket_label(t, report.kind, b) for b in report.buckets],
        needs=[
            charts.NeedSeries(category_label(t, s.category), s.counts, reports.category_place(s.category))
            for s in report.needs
        ],
        organizations_title=t("report.chart_organizations"),
        organizations=[_organization(t, o) for o in report.organizations],
        response_label=t("report.response"),
        resolution_label=t("report.resolution"),
        satisfaction_label=t("report.satisfaction"),
        no_data=t("report.no_data"),
    )


async def _own_community(turn: Turn) -> int | None:
    """The community this person is staff of (the same rule as /announce); None for anyone else."""
    try:
        return await turn.staff_community()
    except broadcast.NotAllowed:
        return None


async def _send_report(turn: Turn, community_id: int, kind: str) -> None:
    t = turn.t
    community = await turn.tx.communities.get(community_id)
    report = await reports.community_report(
        turn.tx, community_id, kind, turn.now, t.tz, turn.services.accept_limit, t("stats.no_organization")
    )
    period, figures = report.period, report.headline
    title = t(f"report.title_{kind}", community=community.name if community else "",
              dates=t.days(period.first, period.last, "yMMMd"))  # fmt: skip
    caption = t(
        "report.caption", title=title, filed=t.number(figures.filed), resolved=t.number(figures.resolved),
        response=_value(t, figures.response_rate, True), satisfaction=_value(t, figures.satisfaction),
        rated=t.number(figures.rated),
    )  # fmt: skip
    chart = _chart(t, title, report)
    turn.photo(lambda: charts.render_report(chart), caption)


@turn_handler
async def report_command(update: Update, context: SansheContext, turn: Turn) -> None:
    t, args = turn.t, context.args or []
    office = await street.office(turn)
    community_id = await _own_community(turn)
    if not office and community_id is None:
        turn.say(t("report.not_allowed"))
    elif len(args) > 1 or (args and args[0].lower() not in ARGUMENTS):
        turn.say(t("report.bad_args"))
    elif args:
        # Staff of a community who is also a street office gets both reports: their community's and the street's.
        if community_id is not None:
            await _send_report(turn, community_id, ARGUMENTS[args[0].lower()])
        if office:
            await street.report_for_office(turn, office, ARGUMENTS[args[0].lower()])
    else:
        if community_id is not None:
            turn.say(t("report.choose"), _keyboard(t))
        if office:  # its buttons are so:r:… (handlers.street)
            text = t("street.report_choose_office", count=t.number(len(office))) if community_id else t("report.choose")
            turn.say(text, street.report_keyboard(t))


@turn_handler
async def pressed(update: Update, context: SansheContext, turn: Turn) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    kind = query.data.partition(":")[2]
    t = turn.t
    community_id = await _own_community(turn)
    if community_id is None:
        turn.answer(t("report.not_allowed"), alert=True)
    elif kind not in reports.KINDS:
        turn.answer(t("common.stale_button"))
    else:
        await _send_report(turn, community_id, kind)
        turn.edit_trigger(t("report.making", period=t(f"report.{kind}")))
