"""The chat tells talk from a need (issue 10): greetings and thanks are answered, not filed; a need no service fits
still reaches staff; a need close to two services offers both."""

from __future__ import annotations

import pytest

from sandbox import SimUser
from tests.conftest import Running
from tests.flows.test_onboarding_flow import onboard

MENU_BUTTONS = {"🙋 求助", "📋 我的求助", "❓ 帮助"}


async def _request_count(running: Running, user: SimUser) -> int:
    async with running.db.transaction() as tx:
        return len(list(await tx.requests.of_resident(user.id)))


def _menu_shown(message: object) -> bool:
    keyboard = getattr(message, "reply_keyboard", None) or []
    return MENU_BUTTONS <= {button.text for row in keyboard for button in row}


@pytest.mark.parametrize(
    ("text", "reply_start"),
    [
        ("你好", "您好！我是社区的小助手"),
        ("在吗", "您好！我是社区的小助手"),
        ("谢谢", "不客气"),
        ("谢谢你们，辛苦了", "不客气"),
    ],
)
async def test_talk_at_the_main_menu_is_answered_and_files_nothing(
    running: Running, text: str, reply_start: str
) -> None:
    user = await running.client.user()
    await onboard(user)
    await user.send_text(text)
    messages = await user.wait_for_messages()
    assert messages[0].text.startswith(reply_start), messages[0].text
    assert _menu_shown(messages[-1])
    assert await _request_count(running, user) == 0
    async with running.db.transaction() as tx:
        dialog = await tx.dialogs.get(user.id)
    assert dialog is not None and dialog.state == "menu"


async def test_talk_at_the_need_step_goes_back_to_the_menu(running: Running) -> None:
    user = await running.client.user()
    await onboard(user)
    await user.send_text("🙋 求助")
    await user.wait_for_messages()
    await user.send_text("好的谢谢")
    messages = await user.wait_for_messages()
    assert not any("我没有找到完全合适的服务" in (m.text or "") for m in messages)
    assert _menu_shown(messages[-1])
    assert await _request_count(running, user) == 0


async def test_a_remark_that_names_a_service_is_not_a_request(running: Running) -> None:
    user = await running.client.user()
    await onboard(user)
    await user.send_text("开锁师傅昨天来过了，已经搞定了")
    messages = await user.wait_for_messages()
    assert not any("这些服务可能适合您" in (m.text or "") for m in messages)
    assert _menu_shown(messages[-1])


async def test_an_indirect_need_is_matched(running: Running) -> None:
    user = await running.client.user()
    await onboard(user)
    await user.send_text("我一个人住，腿脚不方便下不了楼，中午没人做饭")
    (pick,) = await user.wait_for_messages()
    assert pick.text == "这些服务可能适合您，请点选一个："
    assert any(b.startswith("助餐送餐上门") for b in pick.button_texts())


async def test_a_need_no_service_fits_still_goes_to_staff(running: Running) -> None:
    user = await running.client.user()
    await onboard(user)
    await user.send_text("我家的狗病了不吃东西，附近有没有宠物医院")
    messages = await user.wait_for_messages()
    assert messages[0].text.startswith("我没有找到完全合适的服务")


async def test_a_need_close_to_two_services_offers_both(running: Running) -> None:
    user = await running.client.user()
    await onboard(user)
    await user.send_text("家里马桶堵了，水龙头也在漏水")
    (pick,) = await user.wait_for_messages()
    names = [b.split(" · ")[0] for b in pick.button_texts()]
    assert {"管道疏通", "水电维修"} <= set(names), names
