"""An application typed or sent as a filled-in form (.xlsx or .csv) reads the same, under the same rules."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from core.call_forms import as_typed, form_bytes, read_form
from core.calls import CallError, parse_application
from storage.records_projects import Call
from tests.unit.fakes_funds import NOW

CALL = Call(7, 1, "长者助餐服务", "venture", 10_000_000, NOW + timedelta(days=9), "open", 1, None, None, None, (10, 20))
NAMES = {"阳光社区": 10, "桂花社区": 20, "枫树社区": 30}


def test_typed_applications() -> None:
    draft = parse_application("每周三次上门送餐｜8万｜阳光社区", CALL, NAMES)
    assert (draft.proposal, draft.budget_fen, draft.community_ids) == ("每周三次上门送餐", 8_000_000, (10,))
    assert parse_application("送餐\n¥99,999.99", CALL, NAMES).community_ids == (10, 20)  # all of the call's
    for text, key in (
        ("只有方案", "call.bad_application"),
        ("送餐｜12万", "call.over_ceiling"),
        ("送餐｜1万｜枫树社区", "call.unknown_communities"),
        ("送餐｜一万", "fund.money_unreadable"),
        ("送餐｜0.001", "fund.money_fraction_of_fen"),
    ):
        with pytest.raises(CallError) as refused:
            parse_application(text, CALL, NAMES)
        assert refused.value.key == key, text


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_filled_in_form_reads_as_the_typed_words(fmt: str) -> None:
    blank = form_bytes(CALL, "阳光社工服务中心", fmt)
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(blank))
        sheet = book.active
        assert sheet is not None
        sheet["B5"], sheet["B6"], sheet["B7"] = "上门送餐｜每周三次", 80000, "阳光社区、桂花社区"
        out = io.BytesIO()
        book.save(out)
        filled = out.getvalue()
    else:
        text = blank.decode("utf-8-sig").replace("方案,", "方案,上门送餐").replace("预算（元）,", "预算（元）,8万")
        filled = text.encode("utf-8-sig")
    call_id, typed = as_typed(read_form(fmt, filled))
    assert call_id == 7
    draft = parse_application(typed, CALL, NAMES)
    assert draft.budget_fen == 8_000_000 and draft.proposal.startswith("上门送餐")
    with pytest.raises(CallError):  # the blank form: no proposal, no budget
        read_form(fmt, blank)


def test_not_a_form() -> None:
    for fmt, data in (("xlsx", b"PK not a zip"), ("csv", b"\xff\xfe\x00"), ("csv", b"a,b\n")):
        with pytest.raises(CallError) as refused:
            read_form(fmt, data)
        assert refused.value.key == "call.form_unreadable"


def _form(fmt: str, call_id: str, proposal: str, budget: str = "8万", communities: str = "") -> bytes:
    rows = [
        ("项目", "填写"),
        ("征集编号", call_id),
        ("方案", proposal),
        ("预算（元）", budget),
        ("服务社区", communities),
    ]
    if fmt == "csv":
        import csv

        text = io.StringIO()
        csv.writer(text).writerows(rows)
        return text.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("hostile", ["²", "7²", "９", "99999999999999999999999", " "])
def test_a_hostile_call_number_is_unreadable_never_a_crash(fmt: str, hostile: str) -> None:
    with pytest.raises(CallError) as refused:
        read_form(fmt, _form(fmt, hostile, "送餐"))
    assert refused.value.key == "call.form_unreadable"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_proposal_over_several_lines_stays_one_proposal(fmt: str) -> None:
    """Alt+Enter in a 方案 cell: the lines are one proposal, the budget stays the budget."""
    call_id, typed = as_typed(
        read_form(fmt, _form(fmt, "7", "第一，上门送餐\n第二，每周三次\n", "8万", "阳光社区\n桂花社区"))
    )
    draft = parse_application(typed, CALL, NAMES)
    assert call_id == 7
    assert (draft.proposal, draft.budget_fen, draft.community_ids) == (
        "第一，上门送餐 第二，每周三次",
        8_000_000,
        (10, 20),
    )
