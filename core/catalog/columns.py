"""The catalogue's columns and every header a spreadsheet may give them.

Staff keep the catalogue in Excel with their own words: a header may be English (`service_id`), Chinese
(服务编号, 服务名称, 类别 …), the one our own service directory prints (编号, 服务, 机构 …), with a note in
brackets (服务名称（必填）), in any case or width. `column_of` maps each of them to one column key; the first
rows of a sheet may be a title (阳光社区社区服务清单（2026年度）), so `looks_like_header` tells the header
row from them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

REQUIRED_COLUMNS: tuple[str, ...] = ("service_id", "name", "category")
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "description",
    "keywords",
    "organization",
    "communities",
    "eligibility",
    "phone",
    "address",
    "hours",
    "fee",
    "active",
)
# The order the catalogue is written in (export) and the keys parsing gives the columns.
ALL_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# How each column is called, besides its key. Compared after `header_key` (no case, width, spaces or
# punctuation, a bracketed note dropped), so 服务 ID, Service-ID and service_id are one spelling.
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "service_id": ("id", "服务编号", "编号", "服务编码", "服务代码", "服务id", "代码", "编码", "服务号"),
    "name": ("service name", "服务名称", "名称", "服务", "服务项目", "项目名称", "项目", "服务名"),
    "category": ("categories", "类别", "服务类别", "类型", "服务类型", "分类", "服务分类", "所属类别"),
    "description": ("说明", "服务说明", "服务内容", "内容", "简介", "服务简介", "描述", "详细说明", "服务描述"),
    "keywords": ("keyword", "关键词", "关键字", "搜索词", "检索词"),
    "organization": ("organisation", "org", "机构", "服务机构", "组织", "社会组织", "提供方", "承接机构",
                     "机构名称", "服务提供方", "服务单位", "提供机构"),
    "communities": ("community", "社区", "服务社区", "适用社区", "所属社区", "社区名称", "服务范围"),
    "eligibility": ("适用对象", "服务对象", "对象", "适用人群", "服务人群"),
    "phone": ("contact phone", "telephone", "tel", "联系电话", "电话", "联系方式", "咨询电话", "服务电话",
              "联系号码"),
    "address": ("地址", "服务地址", "服务地点", "地点", "办公地址", "详细地址"),
    "hours": ("opening hours", "service hours", "服务时间", "开放时间", "时间", "营业时间", "办公时间"),
    "fee": ("fees", "price", "cost", "收费", "费用", "收费标准", "价格", "收费情况", "是否收费"),
    "active": ("enabled", "启用", "状态", "是否启用", "有效", "是否有效", "在用"),
}  # fmt: skip

_NOTE = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")


def header_key(text: str) -> str:
    """A header cell reduced to what identifies it: "服务名称（必填）" and "服务名称" give the same key."""
    folded = _NOTE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


_BY_KEY: dict[str, str] = {}
for _column in ALL_COLUMNS:
    for _name in (_column, *HEADER_NAMES[_column]):
        _BY_KEY.setdefault(header_key(_name), _column)


def column_of(cell: str) -> str | None:
    """The column a header cell names, or None."""
    return _BY_KEY.get(header_key(cell)) if cell.strip() else None


def looks_like_header(cells: Sequence[str]) -> bool:
    """A row that names at least two of the required columns, or three columns in all: a title row (one long
    cell) or a note never does."""
    named = {column for column in map(column_of, cells) if column is not None}
    return len(named & set(REQUIRED_COLUMNS)) >= 2 or len(named) >= 3
