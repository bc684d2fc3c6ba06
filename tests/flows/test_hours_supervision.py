"""A volunteer's hours and their supervisor, through the sandbox on both backends: the word on a figure follows the
figure's own person and the volunteer's supervisor now (a changed supervisor finds the waiting figure in /hours,
the former one's button is refused), a volunteer without a supervisor is told so, the task's own buttons carry the
volunteer's id, a WeChat supervisor gets WeChat's words, and 补填 never drops a half-typed note."""

from __future__ import annotations

import pytest

from core.people import register_provider
from sandbox.client import SimUser
from storage.records import utc_now
from tests.conftest import Running
from tests.flows.test_hours_flow import _finish
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_provider_flow import CHEN, LI, ZHAO, file_pipe_request, providers
from tests.flows.test_wechat_flow import City, answer, item, with_wechat

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def _volunteer(running: Running, supervisor_id: int) -> None:
    """小李 again, with another supervisor: what `sanshe provider add` does when it changes."""
    async with running.db.transaction() as tx:
        await register_provider(tx, LI, "volunteer", name="小李", organization="阳光社工服务中心",
                                service_ids=["S020", "S021"], communities=["阳光社区"], supervisor_id=supervisor_id,
                                locale="zh_CN", now=utc_now())  # fmt: skip


async def _li_finishes(running: Running, li: SimUser, *others: SimUser) -> tuple[str, int]:
    """A resident's need, taken and finished by 小李 (the other providers' pushes passed over)."""
    resident = await running.client.user()
    await onboard(resident)
    reference = await file_pipe_request(resident)
    (push,) = await li.wait_for_messages(timeout=10)
    for other in others:
        await other.wait_for_messages(timeout=10)
    await li.press("✅ 接单", message_id=push.message_id)
    await li.wait_for_edit(push.message_id)
    await li.press("✅ 完成")
    await li.wait_for_messages()
    await li.send_text("送到了")
    async with running.db.transaction() as tx:
        (request,) = await tx.requests.of_resident(resident.id)
    return reference, request.id


async def test_a_changed_supervisor_confirms_the_waiting_figure_from_hours(running: Running) -> None:
    chen, li, zhao = await providers(running, CHEN, LI, ZHAO)
    reference, request_id = await _li_finishes(running, li, chen, zhao)
    _, how_long = await li.wait_for_messages(2)
    (task_news,) = await chen.wait_for_messages(timeout=10)
    confirm_task = task_news.inline_button("👍 确认")
    assert confirm_task is not None and confirm_task.callback_data == f"sv:ok:{request_id}:{LI}"  # whose work
    await li.press("1小时", message_id=how_long.message_id)
    await li.wait_for_edit(how_long.message_id)
    (ask,) = await chen.wait_for_messages(timeout=10)

    await _volunteer(running, ZHAO)  # 小李's supervisor changes before 陈社工 answered
    answer_ = await chen.press("✅ 确认时长", message_id=ask.message_id)
    assert answer_ is not None and answer_.show_alert and answer_.text == "只有这位志愿者的督导社工可以确认。"
    await zhao.send_command("hours")
    ledger, header, waiting = await zhao.wait_for_messages(3)
    assert (
        ledger.text.startswith("⏱ 赵社工 的服务时长") and header.text == "⏱ 您督导的志愿者有 1 项服务时长等待您确认："
    )
    assert waiting.text.startswith(f"⏱ 小李 填写了 {reference} 的服务时长：1小时")
    await zhao.press("✅ 确认时长", message_id=waiting.message_id)
    confirmed = await zhao.wait_for_edit(waiting.message_id)
    assert confirmed.text == f"✅ 已确认 {reference} 的服务时长 1小时。"
    await zhao.send_command("hours")
    (nothing_waits,) = await zhao.wait_for_messages()  # the ledger alone: nothing waits any more
    assert "等待您确认" not in nothing_waits.text
    await li.send_command("hours")
    (counted,) = await li.wait_for_messages()
    assert "：1小时，已计入" in counted.text
    async with running.db.transaction() as tx:
        (word,) = await tx.hours.reviews(LI)
    assert (word.reviewer_id, word.decision, word.person_id) == (ZHAO, "confirmed", LI)
    # The task's own 有问题 from the former supervisor is refused as well: 小李 is no longer hers.
    answer_ = await chen.press_forged(f"sv:flag:{request_id}:{LI}")
    assert answer_ is not None and answer_.show_alert


async def test_a_volunteer_without_a_supervisor_is_told_and_waits_for_one(running: Running) -> None:
    chen, li = await providers(running, CHEN, LI)
    async with running.db.transaction() as tx:  # as when the supervisor's account is erased (ON DELETE SET NULL)
        await tx.conn.execute("UPDATE providers SET supervisor_id = NULL WHERE telegram_id = ?", (LI,))  # type: ignore[attr-defined]
    reference, _ = await _li_finishes(running, li, chen)
    _, how_long = await li.wait_for_messages(2)
    await li.press("2小时", message_id=how_long.message_id)
    recorded = await li.wait_for_edit(how_long.message_id)
    assert "您还没有督导社工" in recorded.text and "已请督导确认" not in recorded.text
    await li.send_command("hours")
    (ledger,) = await li.wait_for_messages()
    assert "等待督导社工确认" in ledger.text and "请联系社区工作人员为您指定督导社工" in ledger.text
    await _volunteer(running, CHEN)
    await chen.send_command("hours")
    _, _, waiting = await chen.wait_for_messages(3)
    assert waiting.text.startswith(f"⏱ 小李 填写了 {reference} 的服务时长：2小时")


async def test_a_time_question_never_drops_a_half_typed_note(running: Running) -> None:
    (chen,) = await providers(running, CHEN)
    first_resident = await running.client.user()
    await onboard(first_resident)
    first = await _finish(running, chen, first_resident)
    later = await chen.press("稍后再填")
    assert later is not None
    second_resident = await running.client.user()
    await onboard(second_resident)
    second = await file_pipe_request(second_resident)
    (push,) = await chen.wait_for_messages(timeout=10)
    await chen.press("✅ 接单", message_id=push.message_id)
    await chen.wait_for_edit(push.message_id)
    await chen.press("✅ 完成")
    await chen.wait_for_messages()  # the note of 完成 is asked: chen is typing it
    async with running.db.transaction() as tx:
        (request,) = await tx.requests.of_resident(first_resident.id)
    answer_ = await chen.press_forged(f"hr:add:{request.id}")  # 补填 from an old /hours message
    assert answer_ is not None and answer_.show_alert and (answer_.text or "").startswith("您还有一件事没填完")
    await chen.send_text("也修好了")  # the note is still what the chat waits for
    thanks, how_long = await chen.wait_for_messages(2)
    assert thanks.text.startswith(f"谢谢！{second} 已完成") and how_long.text.startswith(f"⏱ 这次服务（{second}）")
    assert first != second


async def test_a_wechat_supervisor_is_asked_in_wechat_words_and_confirms_by_tapping(city: City) -> None:
    async with with_wechat(city) as (running, wechat):
        (li,) = await providers(running, LI)
        supervisor = await wechat.resident("钱社工")
        await supervisor.send_text("你好")  # she wrote to us: WeChat's 48-hour window is open, a message can reach her
        async with running.db.transaction() as tx:
            person = await tx.wechat.person_for(wechat.open_kfid, supervisor.external_userid, utc_now())
            await register_provider(tx, person.person_id, "social_worker", name="钱社工",
                                    organization="阳光社工服务中心", service_ids=["S021"], communities=["阳光社区"],
                                    supervisor_id=None, locale="zh_CN", now=utc_now())  # fmt: skip
        await _volunteer(running, person.person_id)
        reference, _ = await _li_finishes(running, li)
        _, how_long = await li.wait_for_messages(2)
        await li.press("1小时30分钟", message_id=how_long.message_id)
        await li.wait_for_edit(how_long.message_id)
        ask = None
        while ask is None or "填写了" not in ask.text:  # the task's news comes first
            (ask,) = await supervisor.wait_for_messages(1, timeout=10)
        assert ask.text.startswith(f"⏱ 小李 填写了 {reference} 的服务时长：1小时30分钟")
        assert "点下面的一项或回复数字" in ask.text  # WeChat's words, not Telegram's
        await supervisor.tap_menu(*item(ask, "确认时长"))
        confirmed = await answer(supervisor, 1)
        assert confirmed.text == f"✅ 已确认 {reference} 的服务时长 1小时30分钟。"
        await li.send_command("hours")
        (counted,) = await li.wait_for_messages()
        assert "：1小时30分钟，已计入" in counted.text
