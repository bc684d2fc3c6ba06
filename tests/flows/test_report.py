"""/report through the sandbox: staff pick 本周 and get a PNG chart whose caption counts only their own
community's needs; anyone else is refused."""

from __future__ import annotations

from sandbox import BotMessage, SimUser
from tests.conftest import Running
from tests.flows.test_my_requests import file_quick_request
from tests.flows.test_onboarding_flow import onboard
from tests.flows.test_staff_loop import staff_member

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def photo_bytes(running: Running, message: BotMessage) -> bytes:
    """What the bot uploaded, fetched back through the Bot API as any client would."""
    assert message.kind == "photo" and message.file_id is not None
    file = await running.app.bot.get_file(message.file_id)
    return bytes(await file.download_as_bytearray())


async def close_and_rate(staff: SimUser, resident: SimUser, stars: str) -> None:
    await staff.wait_for_messages(timeout=10)  # the case
    await staff.press("关闭并备注")
    await staff.wait_for_messages()
    await staff.send_text("已处理")
    await staff.wait_for_messages()
    await resident.wait_for_messages(timeout=10)
    await resident.press(stars)
    await resident.wait_for_messages()
    await resident.send_text("跳过")
    await resident.wait_for_messages(2)  # thanks, and the main menu again


async def test_staff_get_a_weekly_chart_of_their_own_community(running: Running) -> None:
    staff = await staff_member(running)
    sunshine = await running.client.user(first_name="王阿姨")
    await onboard(sunshine)
    await file_quick_request(sunshine, "楼道的灯坏了好几天")
    await close_and_rate(staff, sunshine, "⭐⭐⭐⭐")
    await file_quick_request(sunshine, "家里水管漏水")
    await staff.wait_for_messages(timeout=10)  # the second case stays open
    osmanthus = await running.client.user(first_name="李大爷")  # another community's need must not count
    await onboard(osmanthus, "桂花社区")
    await file_quick_request(osmanthus, "想找人陪我去医院")

    await staff.send_command("report")
    (choice,) = await staff.wait_for_messages()
    assert choice.text == "要看哪段时间的报告？" and choice.button_texts() == ["本周", "上周", "本月", "上月"]
    await staff.press("本周")
    assert (await staff.wait_for_edit(choice.message_id)).text == "📊 本周的报告马上就好。"
    (chart,) = await staff.wait_for_messages(timeout=15)
    assert chart.kind == "photo"
    assert (await photo_bytes(running, chart)).startswith(PNG_SIGNATURE)
    caption = (chart.text or "").splitlines()
    assert caption[0].startswith("📊 阳光社区 本周报告（")
    assert caption[1] == "求助 2 件，已解决 1 件"
    assert caption[2] == "响应率 —，满意度 4（1 人评分）"
    await staff.expect_silence(0.5)


async def test_report_month_by_argument_and_an_empty_period(running: Running) -> None:
    staff = await staff_member(running)
    await staff.send_command("report", "month")
    (chart,) = await staff.wait_for_messages(timeout=15)
    assert (await photo_bytes(running, chart)).startswith(PNG_SIGNATURE)
    assert (chart.text or "").splitlines()[1:] == ["求助 0 件，已解决 0 件", "响应率 —，满意度 —（0 人评分）"]
    await staff.send_command("report", "year")
    (wrong,) = await staff.wait_for_messages()
    assert wrong.text == "请发 /report，或 /report week（本周）、lastweek（上周）、month（本月）、lastmonth（上月）。"


async def test_residents_are_refused(running: Running) -> None:
    resident = await running.client.user()
    await onboard(resident)
    await resident.send_command("report")
    (refusal,) = await resident.wait_for_messages()
    assert refusal.text == "只有社区工作人员可以查看本社区的报告。"
    await resident.send_command("report", "week")
    (refusal,) = await resident.wait_for_messages()
    assert refusal.text == "只有社区工作人员可以查看本社区的报告。"
    await resident.expect_silence(0.5)
