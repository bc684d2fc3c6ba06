"""Dialog state lives in the database: a bot restarted mid-onboarding carries on where the chat stood."""

from __future__ import annotations

from pathlib import Path

from sandbox import SandboxClient, SandboxServer
from tests.conftest import bot_running


async def test_restart_between_two_steps_loses_nothing(
    city: tuple[SandboxServer, SandboxClient, Path],
) -> None:
    client = city[1]
    user = await client.user()

    async with bot_running(city):
        await user.send_command("start")
        await user.wait_for_messages()
        await user.press("中文")
        (notice,) = await user.wait_for_messages()

    # The press arrives while no bot runs; a fresh process with a fresh connection picks it up.
    await user.press("✅ 同意", message_id=notice.message_id, timeout=0.1)
    async with bot_running(city):
        (community_prompt,) = await user.wait_for_messages()
        assert community_prompt.text == "请选择您所在的社区："
        await user.press("桂花社区")
        ready, _menu = await user.wait_for_messages(2)
        assert "桂花社区" in ready.text


async def test_restart_in_the_middle_of_a_request_keeps_every_answer(
    city: tuple[SandboxServer, SandboxClient, Path],
) -> None:
    from tests.flows.test_onboarding_flow import onboard

    client = city[1]
    user = await client.user()
    async with bot_running(city):
        await onboard(user)
        await user.send_text("家里老人需要送饭")
        await user.wait_for_messages()
        await user.press("都不是")
        await user.wait_for_messages()
        await user.press("本周内")
        await user.wait_for_messages()

    await user.send_text("阳光小区7栋")  # answered while the bot is down
    async with bot_running(city):
        (contact,) = await user.wait_for_messages()
        assert contact.text.startswith("服务人员怎么联系您")
        await user.send_text("💬 只在这里联系我")
        await user.wait_for_messages()
        await user.send_text("跳过")
        (summary,) = await user.wait_for_messages()
        assert "• 时间：本周内" in summary.text and "• 地点：阳光小区7栋" in summary.text
