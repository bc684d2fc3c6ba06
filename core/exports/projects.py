"""Projects and funds as workbooks (like the needs book): the projects with spent / allocated / delivered, the
communities' figures, and the ledger row by row. Amounts in yuan with two decimals (the fen exactly)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from core.exports.report import Column, Report, Section, Table
from core.money import YUAN_FORMAT, format_fen, yuan_cell
from core.projects import CommunityFigures, ProjectFigures
from storage.records_projects import LedgerEntry

KIND = {"purchase": "政府购买服务", "venture": "公益创投", "vote": "居民评议立项"}
FUNDER = {"street": "街道财政", "district": "区财政", "lottery": "福彩公益金", "donation": "企业捐赠"}
MOVE = {"fund_in": "资金到账", "allocate": "分配", "reallocate": "调整", "spend": "支出", "performance": "以奖代补"}
PROJECT_COLUMNS = (
    Column("编号", 6),
    Column("项目", 24),
    Column("类型", 12),
    Column("资金来源", 12),
    Column("承接机构", 20),
    Column("服务社区", 20),
    Column("预算（元）", 14, YUAN_FORMAT),
    Column("已拨付（元）", 14, YUAN_FORMAT),
    Column("已支出（元）", 14, YUAN_FORMAT),
    Column("结余（元）", 14, YUAN_FORMAT),
    Column("以奖代补（元）", 14, YUAN_FORMAT),
    Column("完成求助", 10),
    Column("服务时长（小时）", 12),
    Column("满意度", 8),
)
COMMUNITY_COLUMNS = (
    Column("社区", 16),
    Column("分配（元）", 14, YUAN_FORMAT),
    Column("其中已入项目（元）", 16, YUAN_FORMAT),
    Column("已支出（元）", 14, YUAN_FORMAT),
    Column("完成求助", 10),
    Column("服务时长（小时）", 12),
    Column("满意度", 8),
)
LEDGER_COLUMNS = (
    Column("流水号", 8),
    Column("时间", 18),
    Column("资金", 20),
    Column("类型", 10),
    Column("金额（元）", 14, YUAN_FORMAT),
    Column("从", 20),
    Column("到", 20),
    Column("事由", 40),
    Column("经办人", 12),
)


def _local(value: datetime, tz: ZoneInfo) -> datetime:
    return value.astimezone(tz).replace(tzinfo=None)


def _rating(value: float | None) -> float | str:
    return round(value, 2) if value is not None else "暂无"


def projects_report(figures: Sequence[ProjectFigures], names: Mapping[int, str], now: datetime, tz: ZoneInfo) -> Report:
    rows = tuple(
        (
            f.project.id,
            f.project.title,
            KIND.get(f.project.kind, f.project.kind),
            FUNDER.get(f.funder, f.funder),
            f.project.organization or "",
            "、".join(names.get(c, str(c)) for c in f.project.community_ids),
            yuan_cell(f.project.budget_fen),
            yuan_cell(f.money.allocated),
            yuan_cell(f.money.spent),
            yuan_cell(f.money.remaining),
            yuan_cell(f.money.performance_paid),
            f.delivered.done,
            round(f.delivered.minutes / 60, 1),
            _rating(f.delivered.satisfaction),
        )
        for f in figures
    )
    total = Section(
        "总体",
        ("项目", "数值"),
        (
            ("项目数", len(figures)),
            ("预算合计", format_fen(sum(f.project.budget_fen for f in figures))),
            ("已拨付合计", format_fen(sum(f.money.allocated for f in figures))),
            ("已支出合计", format_fen(sum(f.money.spent for f in figures))),
            ("完成求助合计", sum(f.delivered.done for f in figures)),
        ),
    )
    return Report(
        "项目台账",
        "预算、拨付、支出与成效",
        _local(now, tz),
        "项目",
        Table(PROJECT_COLUMNS, rows, empty_text="还没有项目。"),
        (total,),
        landscape=True,
    )


def communities_report(
    rows: Sequence[CommunityFigures], names: Mapping[int, str], now: datetime, tz: ZoneInfo
) -> Report:
    table = tuple(
        (
            names.get(r.community_id, str(r.community_id)),
            yuan_cell(r.allocated),
            yuan_cell(r.in_projects),
            yuan_cell(r.spent),
            r.done,
            round(r.minutes / 60, 1),
            _rating(r.satisfaction),
        )
        for r in rows
    )
    note = Section("说明", ("项目", "说明"), (("多社区项目", "按服务社区平均分摊（余数计入第一个社区）"),))
    return Report(
        "社区资金与成效", "分配、支出与完成情况", _local(now, tz), "社区", Table(COMMUNITY_COLUMNS, table), (note,)
    )


def ledger_report(
    entries: Sequence[LedgerEntry],
    fund_names: Mapping[int, str],
    names: Mapping[int, str],
    now: datetime,
    tz: ZoneInfo,
) -> Report:
    def account(name: str) -> str:
        kind, _, number = name.partition(":")
        words = {"source": "资金方", "pool": "资金池", "community": "社区", "project": "项目", "spent": "已支出·项目"}
        if kind == "community":
            return f"社区·{names.get(int(number), number)}"
        return f"{words.get(kind, kind)}{number and ' ' + number}"

    rows = tuple(
        (
            e.id,
            _local(e.at, tz),
            fund_names.get(e.fund_id, str(e.fund_id)),
            MOVE.get(e.kind, e.kind),
            yuan_cell(e.amount_fen),
            account(e.from_account),
            account(e.to_account),
            e.reason,
            e.actor_id,
        )
        for e in entries
    )
    summary = Section(
        "按类型",
        ("类型", "金额"),
        tuple((MOVE[k], format_fen(sum(e.amount_fen for e in entries if e.kind == k))) for k in MOVE),
    )
    return Report(
        "资金流水",
        "只增不改的资金台账",
        _local(now, tz),
        "流水",
        Table(LEDGER_COLUMNS, rows, empty_text="还没有资金流水。"),
        (summary,),
        landscape=True,
    )
