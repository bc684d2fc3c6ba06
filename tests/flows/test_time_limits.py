"""Time limits through the sandbox, with limits shortened to fractions of a second: an unanswered push goes
to the next provider, then to staff; an accepted task that stalls gets one reminder."""

from __future__ import annotations

from pathlib import Path

from sandbox import SandboxClient, SandboxServer
from tests.conftest import Running, bot_running
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_provider_flow import CHEN, ZHAO, file_pipe_request, providers
from tests.flows.test_staff_loop import staff_member


async def test_unanswered_pushes_move_on_then_escalate_and_stalled_tasks_are_reminded(
    city: tuple[SandboxServer, SandboxClient, Path],
) -> None:
    async with bot_running(
        city, accept_timeout_minutes=0.04, urgent_accept_timeout_minutes=0.04, timer_interval_seconds=0.2,
        dispatch_top_k=1, stall_hours=0.0005,
    ) as running:  # fmt: skip
        client, db = running.client, running.db
        staff = await staff_member(running)
        chen, zhao = await providers(running, CHEN, ZHAO)
        resident = await client.user()
        await onboard(resident)
        reference = await file_pipe_request(resident)

        (first,) = await chen.wait_for_messages(timeout=10)  # rank ties break by id: Chen first
        expired = await chen.wait_for_edit(first.message_id, timeout=30)  # a loaded machine: ticks come late
        assert expired.text == "（这个任务超时没有人接，已转给其他人）"
        (second,) = await zhao.wait_for_messages(timeout=10)
        assert second.text.startswith(f"🆕 新任务 {reference}")
        (case,) = await staff.wait_for_messages(timeout=10)
        assert case.text.startswith(f"🆕 待处理求助 {reference}（暂时没有人接单）")

        (told,) = await resident.wait_for_messages(timeout=10)
        assert told.text == f"您的求助 {reference} 有新进展：社区工作人员处理中"

        # A second request: Zhao accepts it and then does nothing; one reminder comes, only one.
        await file_pipe_request(resident, phone="13900000000")
        (push,) = await zhao.wait_for_messages(timeout=10)  # after Chen's push expired again
        await zhao.press("✅ 接单", message_id=push.message_id)
        (reminder,) = await zhao.wait_for_messages(timeout=10)
        assert reminder.text.startswith("⏰ 提醒：任务") and "✅ 完成" in reminder.button_texts()
        await zhao.expect_silence(1.5)
        async with db.transaction() as tx:
            first_request = (await tx.requests.of_resident(resident.id))[-1]
            history = [h.to_status for h in await tx.requests.history(first_request.id)]
        assert history == ["submitted", "dispatched", "dispatched", "escalated"]


async def test_decline_pushes_to_the_next_provider_who_accepts(city: tuple[SandboxServer, SandboxClient, Path]) -> None:
    async with bot_running(city, dispatch_top_k=1) as running:
        client = running.client
        chen, zhao = await providers(running, CHEN, ZHAO)
        resident = await client.user()
        await onboard(resident)
        reference = await file_pipe_request(resident)
        (_first,) = await chen.wait_for_messages(timeout=10)
        await zhao.expect_silence(0.3)  # top K = 1: only Chen so far
        await chen.press("不接")
        (second,) = await zhao.wait_for_messages(timeout=10)
        assert second.text.startswith(f"🆕 新任务 {reference}")
        await zhao.press("✅ 接单")
        (accepted,) = await resident.wait_for_messages(timeout=10)
        assert "赵社工（阳光社工服务中心）会为您服务" in accepted.text


async def test_a_provider_added_from_the_command_line_is_recognised_after_start(running: Running) -> None:
    (chen,) = await providers(running, CHEN)  # opened the chat with /start: the privacy question waits
    await chen.press("✅ 同意")
    await chen.wait_for_messages()
    await chen.press("阳光社区")
    _ready, provider_line, _menu = await chen.wait_for_messages(3)
    assert provider_line.text.startswith("您已登记为社工（陈社工）。您现在在岗")
