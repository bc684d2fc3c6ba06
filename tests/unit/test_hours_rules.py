"""Service hours' rules (core.hours, core.hours_certificate) over small fakes: reading a typed time, the bounds,
who may record, corrections as new rows, a volunteer's confirmation, totals per year and the certificate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import I18n
from core import hours, hours_certificate
from core.exports import Period
from core.exports.hours import build_hours_report
from handlers import hours_ledger
from storage.hours_records import (
    CONFIRMED,
    FLAGGED,
    Certificate,
    FinishedTask,
    HourEntry,
    HourReview,
    PersonHours,
)
from storage.records import Community, Provider, RequestRecord
from tests.unit.fakes import FakeUnitOfWork

TZ = ZoneInfo("Asia/Shanghai")
_I18N = I18n.load(Path(__file__).resolve().parents[2] / "locales", "zh_CN", TZ)
ZH, EN = _I18N.translator("zh_CN"), _I18N.translator("en")  # the certificate's and the export's words
NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
CHEN, LI, ZHAO = 1, 2, 3  # a social worker, the volunteer she supervises, another social worker


class FakeHours:
    """The ledger in memory, append-only like the real one: nothing here changes or removes a row."""

    def __init__(self, requests: dict[int, RequestRecord], providers: dict[int, Provider]) -> None:
        self.requests, self.providers = requests, providers
        self.rows: list[HourEntry] = []
        self.review_rows: list[HourReview] = []
        self.finished: dict[tuple[int, int], datetime] = {}  # (request, person) → when they pressed 完成
        self.certificates: dict[str, Certificate] = {}

    async def add_entry(
        self, person_id: int, request_id: int, minutes: int, kind: str, corrects: int | None, provider_kind: str,
        served_at: datetime, recorded_by: int, now: datetime, reason: str | None = None,
    ) -> int:  # fmt: skip
        request = self.requests[request_id]
        entry = HourEntry(len(self.rows) + 1, person_id, request_id, minutes, kind, corrects, provider_kind, served_at,
                          recorded_by, now, reason, request.reference, request.community_id)  # fmt: skip
        assert corrects is None or all(e.corrects != corrects for e in self.rows)  # the unique index
        self.rows.append(entry)
        return entry.id

    async def entries(self, person_id: int) -> Sequence[HourEntry]:
        return [e for e in self.rows if e.person_id == person_id]

    async def entry(self, entry_id: int) -> HourEntry | None:
        return next((e for e in self.rows if e.id == entry_id), None)

    async def supervised(self, supervisor_id: int) -> Sequence[int]:
        return sorted(p.telegram_id for p in self.providers.values()
                      if p.kind == "volunteer" and p.supervisor_id == supervisor_id)  # fmt: skip

    async def add_review(
        self, request_id: int, person_id: int, entry_id: int | None, decision: str, reviewer_id: int, now: datetime
    ) -> int:
        self.review_rows.append(HourReview(len(self.review_rows) + 1, request_id, person_id, entry_id, decision,
                                           reviewer_id, now))  # fmt: skip
        return len(self.review_rows)

    async def reviews(self, person_id: int) -> Sequence[HourReview]:
        return [r for r in self.review_rows if r.person_id == person_id]

    async def finished_at(self, request_id: int, person_id: int) -> datetime | None:
        return self.finished.get((request_id, person_id))

    async def finished_tasks(self, person_id: int) -> Sequence[FinishedTask]:
        return [FinishedTask(rid, self.requests[rid].reference, at) for (rid, pid), at in self.finished.items()
                if pid == person_id]  # fmt: skip

    async def add_certificate(self, certificate: Certificate) -> None:
        self.certificates[certificate.code] = certificate

    async def certificate(self, code: str) -> Certificate | None:
        return self.certificates.get(code)


class Uow(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(["阳光社区"])
        self.hours = FakeHours(self.requests.rows, self.providers.rows)
        for provider in (
            Provider(CHEN, "social_worker", "陈社工", "阳光社工服务中心"),
            Provider(LI, "volunteer", "小李", "阳光社工服务中心", supervisor_id=CHEN),
            Provider(ZHAO, "social_worker", "赵社工", "桂花社工站"),
        ):
            self.providers.rows[provider.telegram_id] = provider

    def finished_task(self, person_id: int, at: datetime) -> int:
        request_id = len(self.requests.rows) + 1
        self.requests.rows[request_id] = RequestRecord(
            request_id, f"YG-2612-{request_id:04d}", 99, 1, "S020", "修水管", "done", at, at, provider_id=person_id
        )
        self.hours.finished[(request_id, person_id)] = at
        return request_id


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("90分钟", 90), ("1.5小时", 90), ("一个半小时", 90), ("2h", 120), ("45 min", 45), ("1小时20分", 80),
     ("1:30", 90), ("半天", 240), ("两小时", 120), ("半小时", 30), ("四十五分钟", 45), ("２小时", 120),
     ("3 hours", 180), ("1h30", 90), ("十二小时", 720), ("90分钟。", 90)],
)  # fmt: skip
def test_a_typed_time_is_read_the_ways_people_write_it(typed: str, minutes: int) -> None:
    assert hours.parse_duration(typed) == minutes


@pytest.mark.parametrize(
    ("typed", "key"),
    [("90", "hours.need_unit"), ("很久", "hours.not_understood"), ("13小时", "hours.too_long"),
     ("2分钟", "hours.too_short"), ("0小时", "hours.too_short"), ("一天一夜", "hours.not_understood"),
     # huge numbers are refused, never float inf → OverflowError; a clock's minutes are below 60
     ("9" * 400 + "小时", "hours.not_understood"), ("九" * 400 + "小时", "hours.not_understood"),
     ("1.5" + "5" * 400 + "小时", "hours.not_understood"), ("1小时" + "9" * 5000 + "分", "hours.not_understood"),
     ("9" * 400 + "分钟", "hours.not_understood"), ("1:99", "hours.not_understood"), ("1:60", "hours.not_understood"),
     ("9999小时", "hours.too_long")],
)  # fmt: skip
def test_a_time_out_of_bounds_or_unreadable_is_refused_with_its_reason(typed: str, key: str) -> None:
    with pytest.raises(hours.HoursError) as refused:
        hours.parse_duration(typed)
    assert refused.value.key == key


async def test_only_the_provider_who_finished_a_task_records_its_time() -> None:
    uow = Uow()
    task = uow.finished_task(CHEN, NOW)
    for someone in (ZHAO, LI, 424242):  # another provider, a volunteer, not a provider at all
        with pytest.raises(hours.HoursError) as refused:
            await hours.record(uow, task, someone, 60, NOW)  # type: ignore[arg-type]
        assert refused.value.key == "hours.not_yours"
    with pytest.raises(hours.HoursError):
        await hours.record(uow, 999, CHEN, 60, NOW)  # type: ignore[arg-type]
    with pytest.raises(hours.HoursError) as too_long:
        await hours.record(uow, task, CHEN, 721, NOW)  # type: ignore[arg-type]
    assert too_long.value.key == "hours.too_long" and uow.hours.rows == []


async def test_a_second_answer_is_a_correction_and_the_first_stays_on_record() -> None:
    uow = Uow()
    task = uow.finished_task(CHEN, NOW)
    first = await hours.record(uow, task, CHEN, 90, NOW)  # type: ignore[arg-type]
    same = await hours.record(uow, task, CHEN, 90, NOW)  # type: ignore[arg-type]
    second = await hours.record(uow, task, CHEN, 60, NOW + timedelta(hours=1))  # type: ignore[arg-type]
    third = await hours.record(uow, task, CHEN, 75, NOW + timedelta(hours=2))  # type: ignore[arg-type]
    assert (first.previous, same.unchanged, second.previous, third.previous) == (None, True, 90, 60)
    assert [(e.kind, e.minutes, e.corrects) for e in uow.hours.rows] == [
        ("reported", 90, None), ("correction", 60, first.entry_id), ("correction", 75, second.entry_id),
    ]  # fmt: skip
    assert all(e.served_at == NOW for e in uow.hours.rows)  # a correction keeps the day the task was done
    (item,) = await hours.person_ledger(uow, CHEN)  # type: ignore[arg-type]
    assert item.minutes == 75 and item.status == hours.COUNTED and len(item.history) == 3


async def test_a_volunteers_hours_count_only_once_the_supervisor_confirms_that_figure() -> None:
    uow = Uow()
    task = uow.finished_task(LI, NOW)
    recorded = await hours.record(uow, task, LI, 120, NOW)  # type: ignore[arg-type]
    assert recorded.needs_review and recorded.supervisor_id == CHEN
    assert (await hours.person_ledger(uow, LI))[0].status == hours.PENDING  # type: ignore[arg-type]
    with pytest.raises(hours.HoursError) as not_hers:  # another social worker cannot confirm
        await hours.review(uow, recorded.entry_id, ZHAO, CONFIRMED, NOW)  # type: ignore[arg-type]
    assert not_hers.value.key == "hours.not_supervisor"
    await hours.review(uow, recorded.entry_id, CHEN, CONFIRMED, NOW)  # type: ignore[arg-type]
    (item,) = await hours.person_ledger(uow, LI)  # type: ignore[arg-type]
    assert item.status == hours.COUNTED and item.confirmed_by == CHEN
    # A correction after the confirmation waits again; the old confirmation button is stale.
    corrected = await hours.record(uow, task, LI, 600, NOW)  # type: ignore[arg-type]
    assert (await hours.person_ledger(uow, LI))[0].status == hours.PENDING  # type: ignore[arg-type]
    with pytest.raises(hours.HoursError) as stale:
        await hours.review(uow, recorded.entry_id, CHEN, CONFIRMED, NOW)  # type: ignore[arg-type]
    assert stale.value.key == "hours.review_stale"
    await hours.review(uow, corrected.entry_id, CHEN, FLAGGED, NOW)  # type: ignore[arg-type]
    totals = hours.totals(await hours.person_ledger(uow, LI), TZ, NOW.date())  # type: ignore[arg-type]
    assert (totals.all_time, totals.pending, totals.not_counted) == (0, 0, 600)


async def test_a_flag_on_the_whole_task_stops_its_hours_until_a_figure_is_confirmed_after_it() -> None:
    uow = Uow()
    task = uow.finished_task(LI, NOW)
    recorded = await hours.record(uow, task, LI, 60, NOW)  # type: ignore[arg-type]
    await hours.review(uow, recorded.entry_id, CHEN, CONFIRMED, NOW)  # type: ignore[arg-type]
    await hours.flag_task(uow, task, LI, CHEN, NOW)  # type: ignore[arg-type]
    assert (await hours.person_ledger(uow, LI))[0].status == hours.NOT_COUNTED  # type: ignore[arg-type]
    await hours.review(uow, recorded.entry_id, CHEN, CONFIRMED, NOW)  # type: ignore[arg-type]
    assert (await hours.person_ledger(uow, LI))[0].status == hours.COUNTED  # type: ignore[arg-type]


async def test_a_review_goes_by_the_figures_person_not_by_who_holds_the_request_now() -> None:
    uow = Uow()
    task = uow.finished_task(LI, NOW)
    recorded = await hours.record(uow, task, LI, 60, NOW)  # type: ignore[arg-type]
    # The task changes hands after 完成 (reopened and taken by ZHAO, or released): provider_id is no longer LI.
    uow.requests.rows[task] = replace(uow.requests.rows[task], provider_id=ZHAO)
    await hours.review(uow, recorded.entry_id, CHEN, CONFIRMED, NOW)  # type: ignore[arg-type]
    assert (await hours.person_ledger(uow, LI))[0].status == hours.COUNTED  # type: ignore[arg-type]
    uow.requests.rows[task] = replace(uow.requests.rows[task], provider_id=None)
    await hours.flag_task(uow, task, LI, CHEN, NOW)  # type: ignore[arg-type]
    assert (await hours.person_ledger(uow, LI))[0].status == hours.NOT_COUNTED  # type: ignore[arg-type]
    assert [r.person_id for r in uow.hours.review_rows] == [LI, LI]  # never ZHAO's hours
    with pytest.raises(hours.HoursError) as not_his:  # ZHAO is a social worker with no volunteer: refused
        await hours.flag_task(uow, task, ZHAO, CHEN, NOW)  # type: ignore[arg-type]
    assert not_his.value.key == "hours.not_supervisor"
    other = uow.finished_task(CHEN, NOW)  # LI did not finish this one: CHEN cannot flag it as LI's
    with pytest.raises(hours.HoursError):
        await hours.flag_task(uow, other, LI, CHEN, NOW)  # type: ignore[arg-type]
    with pytest.raises(hours.HoursError) as unknown:
        await hours.review(uow, 999, CHEN, CONFIRMED, NOW)  # type: ignore[arg-type]
    assert unknown.value.key == "hours.not_supervisor"


async def test_a_new_supervisor_finds_the_figures_waiting_and_the_old_one_is_refused() -> None:
    uow = Uow()
    uow.providers.rows[LI] = replace(uow.providers.rows[LI], supervisor_id=None)  # no supervisor yet
    task = uow.finished_task(LI, NOW)
    recorded = await hours.record(uow, task, LI, 90, NOW)  # type: ignore[arg-type]
    assert recorded.needs_review and recorded.supervisor_id is None  # nobody to ask: the chat says so
    assert await hours.awaiting(uow, CHEN) == []  # type: ignore[arg-type]
    uow.providers.rows[LI] = replace(uow.providers.rows[LI], supervisor_id=ZHAO)  # a supervisor is set
    ((volunteer, item),) = await hours.awaiting(uow, ZHAO)  # type: ignore[arg-type]
    assert (volunteer.telegram_id, item.entry.id, item.minutes) == (LI, recorded.entry_id, 90)
    with pytest.raises(hours.HoursError) as former:  # CHEN supervised nobody here: refused
        await hours.review(uow, recorded.entry_id, CHEN, CONFIRMED, NOW)  # type: ignore[arg-type]
    assert former.value.key == "hours.not_supervisor"
    await hours.review(uow, recorded.entry_id, ZHAO, CONFIRMED, NOW)  # type: ignore[arg-type]
    assert await hours.awaiting(uow, ZHAO) == []  # type: ignore[arg-type]
    assert (await hours.person_ledger(uow, LI))[0].confirmed_by == ZHAO  # type: ignore[arg-type]


async def test_a_task_finished_again_keeps_one_figure_the_new_answer_replacing_it() -> None:
    """A reopened task finished again by the same person: the time asked then is the task's total, and the answer
    replaces the figure (a correction; the day counted stays the first finish's). Documented in README."""
    uow = Uow()
    task = uow.finished_task(CHEN, NOW)
    first = await hours.record(uow, task, CHEN, 60, NOW)  # type: ignore[arg-type]
    uow.hours.finished[(task, CHEN)] = NOW + timedelta(days=3)  # reopened, finished again
    again = await hours.record(uow, task, CHEN, 150, NOW + timedelta(days=3))  # type: ignore[arg-type]
    assert (again.previous, uow.hours.rows[-1].corrects) == (60, first.entry_id)
    (item,) = await hours.person_ledger(uow, CHEN)  # type: ignore[arg-type]
    assert (item.minutes, item.served_at, len(item.history)) == (150, NOW, 2)


async def test_social_workers_hours_count_at_once_and_totals_go_by_local_year() -> None:
    uow = Uow()
    # 2025-12-31 17:00 UTC is already 2026-01-01 in the city: it counts for 2026.
    dates = [datetime(2024, 5, 1, 2, tzinfo=UTC), datetime(2025, 12, 31, 17, tzinfo=UTC), NOW]
    for at, minutes in zip(dates, (60, 90, 30), strict=True):
        await hours.record(uow, uow.finished_task(CHEN, at), CHEN, minutes, at)  # type: ignore[arg-type]
    uow.finished_task(CHEN, NOW)  # finished, no time given
    items = await hours.person_ledger(uow, CHEN)  # type: ignore[arg-type]
    totals = hours.totals(items, TZ, date(2026, 12, 6))
    assert totals.by_year == {2026: 120, 2024: 60} and totals.this_year == 120
    assert (totals.all_time, totals.tasks, totals.first_task) == (180, 3, date(2024, 5, 1))
    missing = await hours.without_time(uow, CHEN)  # type: ignore[arg-type]
    assert [reference for _, reference, _ in missing] == ["YG-2612-0004"]
    period = hours.in_period(items, date(2026, 1, 1), date(2026, 12, 31), TZ)
    assert (period.minutes, period.tasks) == (120, 2)


async def test_a_certificate_is_stored_and_verify_reports_a_later_correction() -> None:
    uow = Uow()
    task = uow.finished_task(LI, NOW)
    recorded = await hours.record(uow, task, LI, 90, NOW)  # type: ignore[arg-type]
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    with pytest.raises(hours_certificate.NothingToCertify):  # still waiting for the supervisor
        await hours_certificate.issue(uow, LI, first, last, TZ, NOW)  # type: ignore[arg-type]
    await hours.review(uow, recorded.entry_id, CHEN, CONFIRMED, NOW)  # type: ignore[arg-type]
    certificate = await hours_certificate.issue(uow, LI, first, last, TZ, NOW)  # type: ignore[arg-type]
    assert (certificate.minutes, certificate.tasks, certificate.confirmed_by) == (90, 1, "陈社工")
    assert certificate.code.startswith("HR-") and len(certificate.code) == 17
    typed = certificate.code.lower().replace("-", " ")
    result = await hours_certificate.verify(uow, typed, TZ)  # type: ignore[arg-type]
    assert result.genuine and result.still_agrees
    await hours.record(uow, task, LI, 60, NOW)  # corrected, not yet confirmed: the period now counts nothing
    result = await hours_certificate.verify(uow, certificate.code, TZ)  # type: ignore[arg-type]
    assert result.genuine and not result.still_agrees and result.minutes_now == 0
    assert not (await hours_certificate.verify(uow, "HR-2222-2222-2222", TZ)).genuine  # type: ignore[arg-type]
    page = hours_certificate.certificate_html(certificate, TZ, ZH, EN).decode()
    assert "小李" in page and certificate.code in page and "1.5 小时" in page and "陈社工" in page
    assert "志愿服务时长证明" in page and "Certificate of Service Hours" in page and "1.5 h (90 min)" in page
    assert "2026年1月1日至2026年12月31日" in page and "1 community service task " in page


async def test_a_confirming_supervisor_no_longer_a_provider_is_never_printed_as_a_chat_id() -> None:
    uow = Uow()
    task = uow.finished_task(LI, NOW)
    recorded = await hours.record(uow, task, LI, 90, NOW)  # type: ignore[arg-type]
    await hours.review(uow, recorded.entry_id, CHEN, CONFIRMED, NOW)  # type: ignore[arg-type]
    del uow.providers.rows[CHEN]  # removed since
    certificate = await hours_certificate.issue(uow, LI, date(2026, 1, 1), date(2026, 12, 31), TZ, NOW,  # type: ignore[arg-type]
                                                "（已移除的服务者）")  # fmt: skip
    assert certificate.confirmed_by == "（已移除的服务者）" and str(CHEN) not in certificate.confirmed_by


@pytest.mark.parametrize(
    ("parts", "period"),
    [(("cert", "y"), (date(2026, 1, 1), date(2026, 12, 6))), (("cert", "all"), (date(2000, 1, 1), date(2026, 12, 6))),
     (("cert", "20260101", "99991231"), (date(2026, 1, 1), date(2026, 12, 6))),  # cut at today
     (("cert", "00010101", "20261231"), None), (("cert", "19991231", "20260101"), None),
     (("cert", "99990101", "99991231"), None), (("cert", "20261207", "20261231"), None),  # all of it in the future
     (("cert", "20261301", "20261231"), None), (("cert", "2026010１", "20261231"), None), (("cert", "zz"), None)],
)  # fmt: skip
def test_a_certificate_period_starts_in_2000_or_later_and_never_ends_after_today(
    parts: tuple[str, ...], period: tuple[date, date] | None
) -> None:
    assert hours_ledger.cert_period(parts, date(2026, 12, 6)) == period


def test_a_certificate_escapes_every_value() -> None:
    evil = Certificate("HR-2222-3333-4444", LI, "<script>x</script>", "A&B", date(2026, 1, 1), date(2026, 1, 2), 60,
                       2, "", NOW)  # fmt: skip
    page = hours_certificate.certificate_html(evil, TZ, ZH, EN).decode()
    assert "<script>" not in page and "&lt;script&gt;" in page and "A&amp;B" in page
    assert "2 tasks" in page and "无需确认" in page and "Not needed" in page


def test_two_codes_are_never_alike_and_say_nothing_about_the_person() -> None:
    codes = {hours_certificate.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(set(code[3:].replace("-", "")) <= set(hours_certificate.ALPHABET) for code in codes)


def test_the_staff_export_counts_only_what_counts_per_organisation() -> None:
    at = NOW

    def row(eid: int, person: int, request: int, minutes: int, kind: str = "social_worker",
            corrects: int | None = None) -> HourEntry:  # fmt: skip
        return HourEntry(eid, person, request, minutes, "correction" if corrects else "reported", corrects, kind,
                         at, person, at, None, f"YG-{request}", 1)  # fmt: skip

    entries = [row(1, CHEN, 10, 60), row(2, CHEN, 10, 90, corrects=1), row(3, LI, 11, 120, "volunteer"),
               row(4, LI, 12, 30, "volunteer"), row(5, ZHAO, 13, 45)]  # fmt: skip
    reviews = [HourReview(1, 11, LI, 3, CONFIRMED, CHEN, at)]
    people = [
        PersonHours(CHEN, "陈社工", "social_worker", "阳光社工服务中心"),
        PersonHours(LI, "小李", "volunteer", "阳光社工服务中心"),
        PersonHours(ZHAO, "赵社工", "social_worker", None),
    ]
    period = Period(date(2026, 12, 1), date(2026, 12, 31), TZ)
    report = build_hours_report(entries, reviews, people, Community(1, "阳光社区"), period, NOW, ZH)
    by_name = {r[1]: r for r in report.table.rows}
    assert by_name["陈社工"][3:] == (1, 1.5, 0.0, 0.0, 1)  # the corrected figure, the correction counted
    assert by_name["小李"][3:] == (1, 2.0, 0.5, 0.0, 0)  # confirmed 2 h count, 30 min wait
    assert by_name["赵社工"][0] == "（未填机构）"
    overall = dict(report.summary[0].rows)
    assert overall == {"服务人员": 3, "计入次数": 3, "计入时长（小时）": 4.25}
    assert [c.header for c in report.table.columns][:3] == ["机构", "姓名", "身份"] and by_name["小李"][2] == "志愿者"
    # Someone no longer among the providers: a neutral label, never their raw chat id.
    gone = build_hours_report([row(9, 424242, 20, 60)], [], people, Community(1, "阳光社区"), period, NOW, ZH)
    assert gone.table.rows[0][1] == "（已移除的服务者）" and "424242" not in str(gone.table.rows)
    english = build_hours_report(entries, reviews, people, Community(1, "阳光社区"), period, NOW, EN)
    assert english.title == "阳光社区: service hours" and english.table.columns[0].header == "Organisation"
