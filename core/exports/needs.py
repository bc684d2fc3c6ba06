"""The needs book (居民需求册): one row per request of a community in a period, and its summary."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from core.catalog.categories import CATEGORIES, resolve_category
from core.exports.period import Period
from core.exports.privacy import mask_numbers
from core.exports.report import Cell, Column, Report, Section, Table
from storage.protocols import NeedFact, ReportRepository
from storage.records import Community

UNMATCHED = "未匹配"
NO_RATING = "暂无"
COLUMNS = (
    Column("编号", 16),
    Column("提交时间", 18),
    Column("类别", 10),
    Column("服务", 22),
    Column("需求", 48),
    Column("状态", 20),
    Column("服务人员", 12),
    Column("评分", 6),
)


def category_name(code: str | None) -> str:
    if code is None:
        return UNMATCHED
    category = resolve_category(code)
    return category.zh if category else code  # an unknown code is shown rather than hidden


def need_row(fact: NeedFact, tz: ZoneInfo, status_labels: Mapping[str, str]) -> tuple[Cell, ...]:
    return (
        fact.reference,
        fact.submitted_at.astimezone(tz).replace(tzinfo=None),
        category_name(fact.category),
        fact.service_name or "",
        mask_numbers(fact.need_text),
        status_labels.get(fact.status, fact.status),
        fact.provider_name or "",
        fact.rating,
    )


def _category_order(name: str) -> tuple[int, str]:
    # The city's pilot focus first (registry order), then 未匹配, then anything unknown.
    order = [c.zh for c in CATEGORIES] + [UNMATCHED]
    return (order.index(name) if name in order else len(order), name)


def _counts(title: str, header: str, names: Iterable[str], order: Sequence[str] | None = None) -> Section:
    counted = Counter(names)
    keys = sorted(counted, key=_category_order) if order is None else [k for k in order if k in counted]
    return Section(title, (header, "数量"), tuple((k, counted[k]) for k in keys))


def needs_summary(facts: Sequence[NeedFact], status_labels: Mapping[str, str]) -> tuple[Section, ...]:
    ratings = [f.rating for f in facts if f.rating is not None]
    mean: Cell = round(statistics.fmean(ratings), 1) if ratings else NO_RATING
    labels = [status_labels.get(f.status, f.status) for f in facts]
    # Two statuses may share one wording (unmatched and escalated both read 社区工作人员处理中): counting by
    # label gives one line per thing the reader can tell apart, in lifecycle order.
    label_order = list(dict.fromkeys([*status_labels.values(), *labels]))
    return (
        Section("总体", ("项目", "数值"), (("求助总数", len(facts)), ("已评分", len(ratings)), ("平均评分", mean))),
        _counts("按类别", "类别", (category_name(f.category) for f in facts)),
        _counts("按状态", "状态", labels, label_order),
    )


def build_needs_book(
    facts: Sequence[NeedFact],
    community: Community,
    period: Period,
    status_labels: Mapping[str, str],
    generated_at: datetime,
) -> Report:
    rows = tuple(need_row(f, period.tz, status_labels) for f in facts)
    return Report(
        title=f"{community.name} 居民需求册",
        subtitle=f"统计期间：{period.label()}",
        generated_at=generated_at.astimezone(period.tz).replace(tzinfo=None),
        sheet_name="需求册",
        table=Table(COLUMNS, rows, empty_text="本期没有求助。"),
        summary=needs_summary(facts, status_labels),
    )


async def needs_book(
    reports: ReportRepository,
    community: Community,
    period: Period,
    status_labels: Mapping[str, str],
    now: datetime,
) -> Report:
    facts = await reports.needs(community.id, period.since, period.until)
    return build_needs_book(facts, community, period, status_labels, now)
