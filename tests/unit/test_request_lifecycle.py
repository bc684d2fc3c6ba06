"""The request lifecycle over in-memory fakes: allowed moves, history, reference codes, filing."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core.filing import file_request
from core.requests import ALLOWED, Status, TransitionError, community_code, move, open_request, reference_prefix
from storage.records import NewRequest, User
from tests.unit.fakes import FakeUnitOfWork

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # already 1 December in Changsha


def test_reference_codes_use_pinyin_initials_and_local_month() -> None:
    assert community_code("望月湖社区") == "WYH"
    assert community_code("社区") == "SQ"
    assert reference_prefix("望月湖社区", NOW, TZ) == "WYH-2612-"


async def test_references_count_up_per_community_and_month() -> None:
    uow = FakeUnitOfWork(["阳光社区"])
    new = NewRequest(resident_id=1, community_id=1, service_id=None, need_text="修灯")
    first = await open_request(uow, new, "阳光社区", NOW, TZ)
    second = await open_request(uow, new, "阳光社区", NOW, TZ)
    assert (first.request.reference, second.request.reference) == ("YG-2612-0001", "YG-2612-0002")
    assert first.after is Status.SUBMITTED and first.before is None


@pytest.mark.parametrize("current", list(Status))
async def test_every_move_is_checked_against_the_one_table(current: Status) -> None:
    uow = FakeUnitOfWork(["阳光社区"])
    new = NewRequest(resident_id=1, community_id=1, service_id=None, need_text="修灯")
    request = (await open_request(uow, new, "阳光社区", NOW, TZ)).request
    await uow.requests.set_status(request.id, current.value, NOW)
    for wanted in Status:
        fresh = await uow.requests.get(request.id)
        assert fresh is not None
        if wanted in ALLOWED[current]:
            change = await move(uow, fresh, wanted, NOW, actor_id=7, note="n")
            assert change.before is current and change.after is wanted
            assert uow.requests.log[-1].to_status == wanted.value and uow.requests.log[-1].actor_id == 7
            await uow.requests.set_status(request.id, current.value, NOW)
        else:
            with pytest.raises(TransitionError):
                await move(uow, fresh, wanted, NOW)


def test_terminal_states_lead_nowhere() -> None:
    assert ALLOWED[Status.RATED] == ALLOWED[Status.CANCELLED] == frozenset()


async def test_filing_unmatched_and_matched_requests() -> None:
    uow = FakeUnitOfWork(["阳光社区"])
    resident = User(5, "zh_CN", community_id=1)
    unmatched = await file_request(uow, resident, {"need": "楼道灯坏了", "attachments": [["voice", "f1"]]}, NOW, TZ)
    assert [c.after for c in unmatched] == [Status.SUBMITTED, Status.UNMATCHED]
    assert uow.requests.files == [(1, "voice", "f1")]
    matched = await file_request(uow, resident, {"need": "下水道堵了", "service_id": "S020"}, NOW, TZ)
    assert [c.after for c in matched] == [Status.SUBMITTED, Status.ESCALATED]
    assert matched[-1].request.service_id == "S020"


def test_back_goes_one_question_back_and_from_the_first_to_the_menu() -> None:
    from core.dialog import State
    from core.intake import previous

    assert previous(State.NEED) is State.MENU
    assert previous(State.WHEN_TEXT) is State.WHEN
    assert previous(State.CONFIRM) is State.NOTE
    assert previous(State.WHERE) is State.WHEN
