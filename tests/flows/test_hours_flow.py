"""Service hours through the sandbox, on both backends: 完成 → the time → /hours → a certificate in the chat whose
code `sanshe hours verify` confirms; a volunteer's hours wait for the supervisor; forged hr: buttons refused."""

from __future__ import annotations

import argparse
import asyncio
import io
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli_hours import verify_command
from sandbox import SimUser
from tests.conftest import Running
from tests.flows.test_catalog_cli import sanshe
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_privacy_withdrawal import document_bytes
from tests.flows.test_provider_flow import CHEN, LI, ZHAO, file_pipe_request, providers
from tests.flows.test_staff_loop import staff_member


async def _finish(running: Running, provider: SimUser, resident: SimUser, note: str = "修好了") -> str:
    """A resident files a need, `provider` takes it and finishes it; the reference, with the time question waiting."""
    reference = await file_pipe_request(resident)
    pushes = await provider.wait_for_messages(timeout=10)
    await provider.press("✅ 接单", message_id=pushes[-1].message_id)
    await provider.wait_for_edit(pushes[-1].message_id)
    await provider.press("✅ 完成")
    await provider.wait_for_messages()
    await provider.send_text(note)
    thanks, how_long = await provider.wait_for_messages(2)
    assert thanks.text.startswith(f"谢谢！{reference} 已完成")
    assert how_long.text.startswith(f"⏱ 这次服务（{reference}）用了多长时间？")
    assert how_long.button_texts() == ["30分钟", "1小时", "1小时30分钟", "2小时", "3小时", "半天(4小时)", "稍后再填"]
    return reference


def _verify(running: Running, monkeypatch: pytest.MonkeyPatch, code: str) -> int:
    for name in ("SANSHE_BOT_TOKEN", "SANSHE_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SANSHE_DATABASE_URL", running.settings.database_url)
    return verify_command(argparse.Namespace(code=code))


async def test_finish_give_the_time_see_hours_get_a_certificate_and_verify_it(
    running: Running, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    staff = await staff_member(running)
    (chen,) = await providers(running, CHEN)
    resident = await running.client.user(first_name="王阿姨")
    await onboard(resident)
    reference = await _finish(running, chen, resident)
    await chen.send_text("13小时")  # bounded: refused with the reason, the question again
    too_long, again = await chen.wait_for_messages(2)
    assert too_long.text.startswith("时间太长了") and again.text.startswith("⏱ 这次服务")
    await chen.send_text("一个半小时")
    (recorded,) = await chen.wait_for_messages()
    assert recorded.text == f"✅ 已记录：{reference} 服务时长 1小时30分钟。"
    await chen.press("✏️ 更正时长")  # a second answer is a correction; the first stays on record
    (again,) = await chen.wait_for_messages()  # one figure per task: the answer replaces it, and says so
    assert again.text.startswith(f"⏱ {reference} 已登记的服务时长是 1小时30分钟。") and "会替换原来的时长" in again.text
    answer = await chen.press("2小时")
    assert answer is not None and answer.text == "已记录"

    await chen.send_command("hours")
    (ledger,) = await chen.wait_for_messages()
    assert "2026年（今年）" in ledger.text or "年（今年）：2小时" in ledger.text
    assert f"{reference}：2小时，已计入（有更正）" in ledger.text and "共 1 次" in ledger.text
    assert ledger.button_texts() == ["📄 今年", "📄 去年", "📄 全部"]
    answer = await chen.press("📄 今年")
    assert answer is not None and answer.text == "正在生成证明…"
    page, pdf = await chen.wait_for_messages(2, timeout=20)
    code = re.search(r"HR-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", page.text or "")
    assert code is not None and "2小时，1 次" in (page.text or "")
    html = (await document_bytes(running, page)).decode("utf-8")
    assert "志愿服务时长证明" in html and "陈社工" in html and code.group(0) in html and "2 小时" in html
    assert (await document_bytes(running, pdf)).startswith(b"%PDF")
    async with running.db.transaction() as tx:
        rows = [(e.kind, e.minutes) for e in await tx.hours.entries(CHEN)]
    assert rows == [("reported", 90), ("correction", 120)]

    # A forged period ending in 9999: the certificate is cut at today, never dated after the day it is issued.
    answer = await chen.press_forged("hr:cert:20260101:99991231")
    assert answer is not None and answer.text == "正在生成证明…"
    page9999, _ = await chen.wait_for_messages(2, timeout=20)
    code9999 = re.search(r"HR-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", page9999.text or "")
    assert code9999 is not None
    async with running.db.transaction() as tx:
        stored = await tx.hours.certificate(code9999.group(0))
    today = datetime.now(running.settings.tz).date()
    assert stored is not None and stored.last_day <= today and stored.first_day == date(2026, 1, 1)

    capsys.readouterr()
    assert await asyncio.to_thread(_verify, running, monkeypatch, code.group(0).lower()) == 0
    out = capsys.readouterr().out
    assert f"证明真实：{code.group(0)}" in out and "陈社工" in out and "120 分钟" in out and "台账至今与证明一致" in out
    assert await asyncio.to_thread(_verify, running, monkeypatch, "HR-2222-3333-4444") == 2

    # Staff: the community's hours per organisation and person, in the chat and from the command line.
    await staff.send_command("hours")
    (choose,) = await staff.wait_for_messages()
    await staff.press("⏱ 服务时长统计 · Excel", message_id=choose.message_id)
    (book,) = await staff.wait_for_messages(timeout=15)
    sheet = load_workbook(io.BytesIO(await document_bytes(running, book))).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:5] == ["机构", "姓名", "身份", "计入次数", "计入时长（小时）"]
    assert ["阳光社工服务中心", "陈社工", "社工", 1, 2] in [row[:5] for row in rows]
    exported = await asyncio.to_thread(sanshe, tmp_path, "export", "hours", "--community", "阳光社区", "--output",
                                       "hours.csv", database_url=running.settings.database_url)  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert "陈社工,社工,1,2" in (tmp_path / "hours.csv").read_text(encoding="utf-8-sig")


async def test_a_volunteers_hours_wait_for_the_supervisor_who_confirms_that_figure(running: Running) -> None:
    chen, li = await providers(running, CHEN, LI)
    resident = await running.client.user()
    await onboard(resident)
    reference = await file_pipe_request(resident)
    (push_li,) = await li.wait_for_messages(timeout=10)
    (push_chen,) = await chen.wait_for_messages(timeout=10)
    await li.press("✅ 接单", message_id=push_li.message_id)
    await chen.wait_for_edit(push_chen.message_id)
    await li.press("✅ 完成")
    await li.wait_for_messages()
    await li.send_text("送到了")
    _, how_long = await li.wait_for_messages(2)
    (task_news,) = await chen.wait_for_messages(timeout=10)
    assert task_news.text == f"志愿者 小李 完成了 {reference}：送到了"
    await li.press("2小时", message_id=how_long.message_id)
    recorded = await li.wait_for_edit(how_long.message_id)
    assert "志愿者的时长经督导社工确认后计入" in recorded.text
    (ask,) = await chen.wait_for_messages(timeout=10)
    assert ask.text.startswith(f"⏱ 小李 填写了 {reference} 的服务时长：2小时") and ask.button_texts() == [
        "✅ 确认时长", "⚠️ 有问题",
    ]  # fmt: skip
    await li.send_command("hours")
    (pending,) = await li.wait_for_messages()
    assert (
        "等待督导社工确认" in pending.text and "待督导确认" in pending.text and "📄 今年" not in pending.button_texts()
    )

    button = ask.inline_button("✅ 确认时长")
    assert button is not None and button.callback_data is not None
    answer = await li.press_forged(button.callback_data)  # a volunteer cannot confirm their own hours
    assert answer is not None and answer.show_alert
    await chen.press("✅ 确认时长", message_id=ask.message_id)
    confirmed = await chen.wait_for_edit(ask.message_id)
    assert confirmed.text == f"✅ 已确认 {reference} 的服务时长 2小时。"
    await li.send_command("hours")
    (counted,) = await li.wait_for_messages()
    assert "：2小时，已计入" in counted.text and "📄 今年" in counted.button_texts()


async def test_forged_hours_buttons_are_refused(running: Running) -> None:
    chen, zhao = await providers(running, CHEN, ZHAO)
    resident = await running.client.user()
    await onboard(resident)
    staff = await staff_member(running)
    await _finish(running, chen, resident)
    async with running.db.transaction() as tx:
        (request,) = await tx.requests.of_resident(resident.id)
    for data in (f"hr:m:{request.id}:60", f"hr:add:{request.id}", f"hr:later:{request.id}"):
        answer = await zhao.press_forged(data)  # another provider's task
        assert answer is not None and answer.text == "这不是您完成的任务，不能为它登记时长。", data
        answer = await resident.press_forged(data)  # not a provider
        assert answer is not None and answer.show_alert and "服务时长只对社工" in (answer.text or ""), data
    stale, bad_period = "这个按钮已经过期了", "这个期间不对：期间要在 2000年1月1日 到今天之间。请重新发送 /hours。"
    refusals = {
        f"hr:m:{request.id}:7": stale, f"hr:m:{request.id}:99999999999999999999": stale, "hr:m:x:60": stale,
        "hr:zzz": stale, "hr:cert:zz": bad_period, "hr:cert:20261301:20261201": bad_period,
        "hr:cert:20260101:99991231": None,  # cut at today: nothing counts yet, so nothing to certify
        "hr:cert:00010101:20261231": bad_period, "hr:cert:99990101:99991231": bad_period,
        "hr:x:xlsx:20260101:20261231": "只有社区工作人员",  # chen is not staff
    }  # fmt: skip
    for data, refusal in refusals.items():
        answer = await chen.press_forged(data)
        assert answer is not None and answer.text is not None, data
        if refusal is None:
            assert answer.text == "这个期间没有已计入的服务时长，无法开具证明。", data
        else:
            assert answer.text.startswith(refusal) or refusal in answer.text, (data, answer.text)
    not_provider = "这个功能只给登记的服务人员使用。"
    for data, refusal in ((f"sv:ok:{request.id}:1", not_provider), (f"sv:flag:{request.id}:{CHEN}", not_provider),
                          (f"sv:ok:{request.id}", not_provider), ("sv:hok:1", "只有这位志愿者的督导社工可以确认。"),
                          ("sv:hflag:99999", "只有这位志愿者的督导社工可以确认。"), ("sv:zz:1", not_provider),
                          ("sv:hok:x", stale)):  # fmt: skip
        answer = await zhao.press_forged(data)  # not the supervisor of anyone here
        assert answer is not None and (answer.text or "").startswith(refusal), (data, answer)
    answer = await resident.press_forged("hr:x:xlsx:20260101:20261231")  # staff's export, pressed by a resident
    assert answer is not None and answer.show_alert
    for data in ("hr:x:xlsx:00010101:99991231", "hr:x:csv:99990101:99991231", "hr:x:xlsx:19991231:20260101",
                 "hr:x:pdf:20260101:20261231"):  # fmt: skip
        answer = await staff.press_forged(data)  # staff, but a forged period or format: refused with the reason
        assert answer is not None and answer.show_alert and answer.text == bad_period, data
    async with running.db.transaction() as tx:
        assert await tx.hours.entries(CHEN) == [] and await tx.hours.entries(ZHAO) == []
    await staff.send_command("hours")
    (choose,) = await staff.wait_for_messages()
    assert choose.text.startswith("阳光社区 的服务时长统计") and len(choose.button_texts()) == 3
