"""Providers through the sandbox: push → decline → accept → progress → done → rating; the race of two
accepts; a provider who blocked the bot is skipped; only the winner sees the resident's contact."""

from __future__ import annotations

import asyncio

from core.people import register_provider
from sandbox import SimUser
from storage.records import utc_now
from tests.conftest import Running
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_staff_loop import staff_member

CHEN, LI, ZHAO = 910001, 910002, 910003  # a social worker, a volunteer she supervises, another social worker


async def providers(running: Running, *ids: int) -> list[SimUser]:
    names = {
        CHEN: ("social_worker", "陈社工", None),
        LI: ("volunteer", "小李", CHEN),
        ZHAO: ("social_worker", "赵社工", None),
    }
    async with running.db.transaction() as tx:
        for pid in (CHEN, *ids):  # the volunteer's supervisor must exist first
            kind, name, supervisor = names[pid]
            await register_provider(
                tx, pid, kind, name=name, organization="阳光社工服务中心", service_ids=["S020", "S021"],
                communities=["阳光社区"], supervisor_id=supervisor, locale="zh_CN", now=utc_now(),
            )  # fmt: skip
    sims = []
    for pid in ids:
        sim = await running.client.user(pid, first_name=names[pid][1])
        await sim.send_command("start")  # opens the chat (the privacy question is left unanswered)
        await sim.wait_for_messages()
        sims.append(sim)
    return sims


async def file_pipe_request(resident: SimUser, phone: str = "13812345678") -> str:
    await resident.send_text("厨房下水道堵了，水下不去")
    await resident.wait_for_messages()
    await resident.press("管道疏通 · 巧手便民维修队")
    await resident.wait_for_messages()
    await resident.press("今天")
    await resident.wait_for_messages()
    await resident.send_text("阳光小区3栋2单元501")
    await resident.wait_for_messages()
    await resident.send_text(phone)
    await resident.wait_for_messages()
    await resident.send_text("跳过")
    await resident.wait_for_messages()
    await resident.press("✅ 提交")
    (filed,) = await resident.wait_for_messages()
    assert "正在为您联系服务人员" in (filed.text or "")
    return (filed.text or "").split("编号是 ")[1].split("，")[0]


async def test_decline_then_accept_progress_done_and_rating(running: Running) -> None:
    chen, li = await providers(running, CHEN, LI)
    resident = await running.client.user(first_name="王阿姨")
    await onboard(resident)
    reference = await file_pipe_request(resident)

    (push_chen,) = await chen.wait_for_messages(timeout=10)
    (push_li,) = await li.wait_for_messages(timeout=10)
    for push in (push_chen, push_li):
        assert push.text.startswith(f"🆕 新任务 {reference}") and "服务：管道疏通" in push.text
        assert "13812345678" not in push.text and "501" not in push.text  # no contact before accepting
        assert push.button_texts() == ["✅ 接单", "不接"]

    await li.press("不接")
    assert (await li.wait_for_edit(push_li.message_id)).text == "好的，已告诉系统您这次不接。"
    await chen.press("✅ 接单")
    won = await chen.wait_for_edit(push_chen.message_id)
    assert "• 电话：13812345678" in won.text and "• 地址：阳光小区3栋2单元501" in won.text
    assert won.button_texts() == ["🚶 出发", "✅ 完成", "❌ 无法完成"]
    (accepted,) = await resident.wait_for_messages(timeout=10)
    assert "已有人接单" in accepted.text and "陈社工（阳光社工服务中心）会为您服务" in accepted.text

    await chen.press("🚶 出发")
    (on_the_way,) = await resident.wait_for_messages(timeout=10)
    assert "服务人员已出发" in on_the_way.text
    await chen.press("✅ 完成")
    (ask,) = await chen.wait_for_messages()
    assert ask.text.startswith("请简单写一下完成情况")
    await chen.send_text("疏通好了，下水正常")
    thanks, how_long = await chen.wait_for_messages(2)
    assert thanks.text.startswith(f"谢谢！{reference} 已完成")
    assert how_long.text.startswith(f"⏱ 这次服务（{reference}）用了多长时间？")  # handlers.hours takes it from here
    assert "稍后再填" in how_long.button_texts()
    (done,) = await resident.wait_for_messages(timeout=10)
    assert "已完成" in done.text and "疏通好了，下水正常" in done.text and "⭐⭐⭐⭐⭐" in done.button_texts()
    await resident.press("⭐⭐⭐⭐⭐")
    async with running.db.transaction() as tx:
        (request,) = await tx.requests.of_resident(resident.id)
        history = [h.to_status for h in await tx.requests.history(request.id)]
    assert request.provider_id == CHEN and request.rating == 5
    assert history == ["submitted", "dispatched", "accepted", "in_progress", "done", "rated"]


async def test_two_accepts_at_the_same_moment_have_exactly_one_winner(running: Running) -> None:
    chen, zhao = await providers(running, CHEN, ZHAO)
    resident = await running.client.user()
    await onboard(resident)
    await file_pipe_request(resident)
    (push_chen,) = await chen.wait_for_messages(timeout=10)
    (push_zhao,) = await zhao.wait_for_messages(timeout=10)
    answers = await asyncio.gather(chen.press("✅ 接单"), zhao.press("✅ 接单"))
    losers = [a for a in answers if a is not None and a.text == "已被接单，谢谢您！"]
    assert len(losers) == 1
    async with running.db.transaction() as tx:
        (request,) = await tx.requests.of_resident(resident.id)
        offers = await tx.providers.offers(request.id)
    assert request.status == "accepted" and request.provider_id in (CHEN, ZHAO)
    assert sorted(o.answer or "" for o in offers) == ["accepted", "taken"]
    loser = zhao if request.provider_id == CHEN else chen
    loser_push = push_zhao if loser is zhao else push_chen
    rewritten = await loser.wait_for_edit(loser_push.message_id)
    assert "13812345678" not in (rewritten.text or "")


async def test_when_everyone_declines_the_request_goes_to_staff(running: Running) -> None:
    staff = await staff_member(running)
    (chen,) = await providers(running, CHEN)
    resident = await running.client.user()
    await onboard(resident)
    reference = await file_pipe_request(resident)
    await chen.wait_for_messages(timeout=10)
    await chen.press("不接")
    (case,) = await staff.wait_for_messages(timeout=10)
    assert case.text.startswith(f"🆕 待处理求助 {reference}（暂时没有人接单）")


async def test_a_provider_who_blocked_the_bot_is_skipped_next_time(running: Running) -> None:
    chen, zhao = await providers(running, CHEN, ZHAO)
    await zhao.block()
    resident = await running.client.user()
    await onboard(resident)
    await file_pipe_request(resident)
    await chen.wait_for_messages(timeout=10)
    for _ in range(100):  # the sender meets the 403 and marks Zhao
        async with running.db.transaction() as tx:
            user = await tx.users.get(ZHAO)
        if user is not None and user.blocked_at is not None:
            break
        await asyncio.sleep(0.05)
    assert user is not None and user.blocked_at is not None
    await file_pipe_request(resident, phone="13900000000")
    async with running.db.transaction() as tx:
        second = (await tx.requests.of_resident(resident.id))[0]
        offered = [o.provider_id for o in await tx.providers.offers(second.id)]
    assert offered == [CHEN]


async def test_residents_cannot_use_provider_actions(running: Running) -> None:
    resident = await running.client.user()
    await onboard(resident)
    await resident.send_command("duty")
    (refused,) = await resident.wait_for_messages()
    assert refused.text == "这个功能只给登记的服务人员使用。"


async def test_stats_for_staff_and_providers_and_refused_to_residents(running: Running) -> None:
    staff = await staff_member(running)
    (chen,) = await providers(running, CHEN)
    resident = await running.client.user()
    await onboard(resident)
    await file_pipe_request(resident)
    (push,) = await chen.wait_for_messages(timeout=10)
    await chen.press("✅ 接单")
    await chen.wait_for_edit(push.message_id)  # the 完成 button comes with the edit, after the button's answer
    await chen.press("✅ 完成")
    await chen.wait_for_messages()
    await chen.send_text("修好了")
    await chen.wait_for_messages(2)  # thanks, then how long it took (left unanswered)
    await resident.wait_for_messages(2, timeout=10)  # accepted, then done
    await resident.press("⭐⭐⭐⭐⭐")
    await resident.wait_for_messages()

    await staff.send_command("stats", "7")
    (report,) = await staff.wait_for_messages()
    assert report.text.startswith("📊 阳光社区 · 近 7 天")
    assert "陈社工：推送 1 · 响应率 100% · 接单 1 · 解决率 100% · 满意度 5" in report.text
    assert "【机构】" in report.text and "阳光社工服务中心" in report.text
    await chen.send_command("stats")
    (own,) = await chen.wait_for_messages()
    assert own.text.startswith("📊 陈社工 · 近 30 天") and "解决率 100%" in own.text
    await resident.send_command("stats")
    (refused,) = await resident.wait_for_messages()
    assert refused.text == "这个功能只给社区工作人员和服务人员使用。"
    await staff.send_command("stats", "abc")
    (bad,) = await staff.wait_for_messages()
    assert bad.text.startswith("请写天数")


async def test_a_volunteers_finished_task_reaches_the_supervisor_who_can_flag_it(running: Running) -> None:
    staff = await staff_member(running)
    chen, li = await providers(running, CHEN, LI)
    resident = await running.client.user()
    await onboard(resident)
    reference = await file_pipe_request(resident)
    (push_chen,) = await chen.wait_for_messages(timeout=10)
    await li.wait_for_messages(timeout=10)
    await li.press("✅ 接单")
    assert (await chen.wait_for_edit(push_chen.message_id)).text == "已被接单，谢谢您！"
    await li.press("✅ 完成")
    await li.wait_for_messages()
    await li.send_text("送到了")
    await li.wait_for_messages(2)  # thanks, then how long it took (left unanswered)
    (news,) = await chen.wait_for_messages(timeout=10)
    assert news.text == f"志愿者 小李 完成了 {reference}：送到了" and news.button_texts() == ["👍 确认", "⚠️ 有问题"]
    await li.send_command("invite", "社工")  # a volunteer is not staff
    (refused,) = await li.wait_for_messages()
    assert refused.text == "只有社区工作人员可以发邀请。"
    await chen.press("⚠️ 有问题")
    (flag,) = await staff.wait_for_messages(timeout=10)
    assert flag.text.startswith(f"⚠️ 督导社工认为志愿者 小李 完成的 {reference} 有问题")
    async with running.db.transaction() as tx:
        (request,) = await tx.requests.of_resident(resident.id)
        notes = [h.note for h in await tx.requests.history(request.id)]
    assert "supervisor_flagged" in notes
