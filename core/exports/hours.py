"""Service hours per organisation and per person (志愿服务时长统计) for one community and period: what community staff
export, in the chat (/hours) and with `sanshe export hours`. Rows are people, grouped by organisation; the summary
gives each organisation's totals. Only hours that count are in 时长; a volunteer's figures waiting for their
supervisor and flagged ones are shown apart, never added in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from core import hours
from core.exports.period import Period
from core.exports.report import Cell, Column, Report, Section, Table
from core.hours import Words
from storage.hours_records import HourEntry, HourReview, HoursRepository, PersonHours
from storage.records import Community

KINDS = ("social_worker", "volunteer", "org_member")  # each said by hours.x_kind_<kind>
COLUMNS = (  # (locale key, width)
    ("hours.x_col_org", 24),
    ("hours.x_col_name", 14),
    ("hours.x_col_kind", 10),
    ("hours.x_col_tasks", 10),
    ("hours.x_col_hours", 16),
    ("hours.x_col_pending", 14),
    ("hours.x_col_flagged", 14),
    ("hours.x_col_corrections", 10),
)


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def build_hours_report(
    entries: Sequence[HourEntry],
    reviews: Sequence[HourReview],
    people: Sequence[PersonHours],
    community: Community,
    period: Period,
    generated_at: datetime,
    t: Words,
) -> Report:
    """The report in the words of `t` (the staff member's language in the chat, Chinese from the command line)."""
    items = hours.ledger(entries, reviews)
    by_person: dict[int, list[hours.Item]] = defaultdict(list)
    for item in items:
        by_person[item.entry.person_id].append(item)
    known = {p.person_id: p for p in people}
    no_organization = t("hours.x_no_organization")
    kinds = {kind: t(f"hours.x_kind_{kind}") for kind in KINDS}
    rows: list[tuple[Cell, ...]] = []
    per_org: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # people, tasks, minutes
    for person_id, mine in by_person.items():
        # No longer a provider (removed, or their account erased): a neutral label, never a raw chat id.
        person = known.get(person_id, PersonHours(person_id, t("hours.x_removed_person"), "", None))
        org = person.organization or no_organization
        counted = [i for i in mine if i.status == hours.COUNTED]
        minutes = sum(i.minutes for i in counted)
        rows.append(
            (
                org,
                person.name,
                kinds.get(person.kind, ""),
                len(counted),
                _hours(minutes),
                _hours(sum(i.minutes for i in mine if i.status == hours.PENDING)),
                _hours(sum(i.minutes for i in mine if i.status == hours.NOT_COUNTED)),
                sum(len(i.history) - 1 for i in mine),
            )
        )
        totals = per_org[org]
        totals[0], totals[1], totals[2] = totals[0] + 1, totals[1] + len(counted), totals[2] + minutes
    rows.sort(key=lambda r: (str(r[0]) == no_organization, str(r[0]), -float(r[4] or 0), str(r[1])))
    org_rows = tuple(
        (org, t("hours.x_org_totals", people=t.number(v[0]), tasks=t.number(v[1]), hours=t.number(_hours(v[2]))))
        for org, v in sorted(per_org.items())
    )
    all_minutes = sum(v[2] for v in per_org.values())
    overall = (
        (t("hours.x_people"), len(by_person)),
        (t("hours.x_col_tasks"), sum(v[1] for v in per_org.values())),
        (t("hours.x_col_hours"), _hours(all_minutes)),
    )
    return Report(
        title=t("hours.x_title", community=community.name),
        subtitle=t("hours.x_subtitle", first=t.day(period.first, "yMMMd"), last=t.day(period.last, "yMMMd")),
        generated_at=generated_at.astimezone(period.tz).replace(tzinfo=None),
        sheet_name=t("hours.x_sheet"),
        table=Table(
            tuple(Column(t(key), width) for key, width in COLUMNS),
            tuple(rows),
            group_column=0,
            empty_text=t("hours.x_empty"),
        ),
        summary=(
            Section(t("hours.x_overall"), (t("hours.x_item"), t("hours.x_value")), overall),
            Section(t("hours.x_by_org"), (t("hours.x_col_org"), t("hours.x_total")), org_rows),
        ),
    )


async def hours_report(repo: HoursRepository, community: Community, period: Period, now: datetime, t: Words) -> Report:
    entries, reviews, people = await repo.community_entries(community.id, period.since, period.until)
    return build_hours_report(entries, reviews, people, community, period, now, t)
